# Live charts: ChartWidget (the only code that includes Qt Charts, deprecated from Qt 6.10), the
# renderer-free chart parts, and the charts panel of the selected route/service.
target_sources(cutover_widgets PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/chartparts.cpp ${CMAKE_CURRENT_LIST_DIR}/chartparts.h
  ${CMAKE_CURRENT_LIST_DIR}/chartwidget.cpp ${CMAKE_CURRENT_LIST_DIR}/chartwidget.h
  ${CMAKE_CURRENT_LIST_DIR}/chartspanel.cpp ${CMAKE_CURRENT_LIST_DIR}/chartspanel.h
)
