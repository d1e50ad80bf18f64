# Terminal, network and process safety of the two programs (issue 11 §5, §6): the real binaries.
cutover_add_test(tst_cutoverctl_safety ${CMAKE_CURRENT_LIST_DIR}/tst_cutoverctl_safety.cpp)
set_property(TEST tst_cutoverctl_safety APPEND PROPERTY ENVIRONMENT "CUTOVERCTL=$<TARGET_FILE:cutoverctl>")
add_dependencies(tst_cutoverctl_safety cutoverctl)
cutover_add_test(tst_console_process ${CMAKE_CURRENT_LIST_DIR}/tst_console_process.cpp)
set_property(TEST tst_console_process APPEND PROPERTY ENVIRONMENT "CUTOVER_GUI=$<TARGET_FILE:cutover>")
add_dependencies(tst_console_process cutover)
