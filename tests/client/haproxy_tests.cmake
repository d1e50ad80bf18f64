# Tests of the HAProxy backend (client/haproxy/): framing, show stat parsing, the model, and the
# integration test that runs a real haproxy (installed by scripts/deps.sh) on loopback.
cutover_add_test(tst_runtimeconnection ${CMAKE_CURRENT_LIST_DIR}/tst_runtimeconnection.cpp)
cutover_add_test(tst_statcsv ${CMAKE_CURRENT_LIST_DIR}/tst_statcsv.cpp)
cutover_add_test(tst_haproxymodel ${CMAKE_CURRENT_LIST_DIR}/tst_haproxymodel.cpp)
# Needs the haproxy binary (PATH, /usr/sbin, or $CUTOVER_HAPROXY); fails, never skips, without it.
# It also runs the GUI's session (cutover_app) on that haproxy, offscreen.
cutover_add_test(tst_haproxybackend ${CMAKE_CURRENT_LIST_DIR}/tst_haproxybackend.cpp cutover_app)
# It also runs the real cutoverctl against that haproxy.
set_property(TEST tst_haproxybackend APPEND PROPERTY ENVIRONMENT "CUTOVERCTL=$<TARGET_FILE:cutoverctl>")
add_dependencies(tst_haproxybackend cutoverctl)
