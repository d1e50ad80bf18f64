# Tests for the log view's table model and its background scan (models/logtablemodel.*, models/logscan.*).
cutover_add_test(tst_logtablemodel ${CMAKE_CURRENT_LIST_DIR}/tst_logtablemodel.cpp cutover_syntheticlog)
# The log export job and queries over the store (models/logexport.*, models/logqueries.*).
cutover_add_test(tst_logexport ${CMAKE_CURRENT_LIST_DIR}/tst_logexport.cpp cutover_syntheticlog)
