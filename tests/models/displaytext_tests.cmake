# The inert rendering of gateway text (models/displaytext.cmake).
cutover_add_test(tst_displaytext ${CMAKE_CURRENT_LIST_DIR}/tst_displaytext.cpp)
cutover_add_test(tst_displayroles ${CMAKE_CURRENT_LIST_DIR}/tst_displayroles.cpp)
