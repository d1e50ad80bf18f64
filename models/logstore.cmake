# Byte-budgeted store of structured log lines with fast filtering, part of cutover_core (Qt Core).
target_sources(cutover_core PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/bytesearcher.cpp ${CMAKE_CURRENT_LIST_DIR}/bytesearcher.h
  ${CMAKE_CURRENT_LIST_DIR}/logfilter.h
  ${CMAKE_CURRENT_LIST_DIR}/logstore.cpp ${CMAKE_CURRENT_LIST_DIR}/logstore.h ${CMAKE_CURRENT_LIST_DIR}/logstore_p.h
  ${CMAKE_CURRENT_LIST_DIR}/logstorefilter.cpp
)
