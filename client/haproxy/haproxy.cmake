# HAProxy 2.6 backend (Runtime API over TCP or a UNIX socket), part of cutover_core (Qt Core/Network
# only). See docs/haproxy.md.
target_sources(cutover_core PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/runtimeconnection.cpp ${CMAKE_CURRENT_LIST_DIR}/runtimeconnection.h
  ${CMAKE_CURRENT_LIST_DIR}/statcsv.cpp ${CMAKE_CURRENT_LIST_DIR}/statcsv.h
  ${CMAKE_CURRENT_LIST_DIR}/mapentries.cpp ${CMAKE_CURRENT_LIST_DIR}/mapentries.h
  ${CMAKE_CURRENT_LIST_DIR}/auditjournal.cpp ${CMAKE_CURRENT_LIST_DIR}/auditjournal.h
  ${CMAKE_CURRENT_LIST_DIR}/haproxymodel.cpp ${CMAKE_CURRENT_LIST_DIR}/haproxymodel.h
  ${CMAKE_CURRENT_LIST_DIR}/backendsupport.cpp ${CMAKE_CURRENT_LIST_DIR}/backendsupport.h
  ${CMAKE_CURRENT_LIST_DIR}/haproxybackend.cpp ${CMAKE_CURRENT_LIST_DIR}/haproxybackend.h
  ${CMAKE_CURRENT_LIST_DIR}/rollbackplan.cpp ${CMAKE_CURRENT_LIST_DIR}/rollbackplan.h
  ${CMAKE_CURRENT_LIST_DIR}/haproxyactions.cpp
  ${CMAKE_CURRENT_LIST_DIR}/haproxypersistence.cpp
  ${CMAKE_CURRENT_LIST_DIR}/eventstream.cpp ${CMAKE_CURRENT_LIST_DIR}/eventstream.h
)
