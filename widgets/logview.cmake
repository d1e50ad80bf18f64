# The live log tail panel (widgets/logview.*) and its cell painter, part of cutover_widgets.
target_sources(cutover_widgets PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/logdelegate.cpp ${CMAKE_CURRENT_LIST_DIR}/logdelegate.h
  ${CMAKE_CURRENT_LIST_DIR}/logview.cpp ${CMAKE_CURRENT_LIST_DIR}/logview.h
)
