# Server-Sent Events parser, log-line JSON boundary and the live log stream client, part of
# cutover_core (Qt Core/Network only).
target_sources(cutover_core PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/ssedecoder.cpp ${CMAKE_CURRENT_LIST_DIR}/ssedecoder.h
  ${CMAKE_CURRENT_LIST_DIR}/logline.h
  ${CMAKE_CURRENT_LIST_DIR}/logjson.cpp ${CMAKE_CURRENT_LIST_DIR}/logjson.h ${CMAKE_CURRENT_LIST_DIR}/flatjson.h
  ${CMAKE_CURRENT_LIST_DIR}/logsource.cpp ${CMAKE_CURRENT_LIST_DIR}/logsource.h
  ${CMAKE_CURRENT_LIST_DIR}/logstream.cpp ${CMAKE_CURRENT_LIST_DIR}/logstream.h
)
