# ChartWidget and the charts panel on real widgets (offscreen).
cutover_add_test(tst_chartwidget ${CMAKE_CURRENT_LIST_DIR}/tst_chartwidget.cpp cutover_widgets)
cutover_add_test(tst_chartspanel ${CMAKE_CURRENT_LIST_DIR}/tst_chartspanel.cpp cutover_widgets)
