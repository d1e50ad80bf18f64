# The folder tree is the dependency graph (docs/architecture.md). Each layer is a library, and
# cutover_layer() makes its include rules a build error instead of a review comment:
#
#   cutover_layer(<target> INCLUDES <prefix>... [NOT <prefix>...] [QT_FORBIDDEN <module>...])
#
# - A project include ("dir/file.h") must start with one of the INCLUDES prefixes, unless it also
#   starts with a NOT prefix; the longest matching prefix decides, so a single file can be let
#   through a forbidden folder (INCLUDES client/haproxy/persistence.h NOT client/haproxy/).
#   Includes without a folder ("foo.moc", a file next to the source) are always allowed.
# - A Qt include (<QWidget>, <QtWidgets/QWidget>) of a QT_FORBIDDEN module is an error; the
#   module's header folder says which names belong to it.
#
# The check runs before the target compiles and again whenever one of its sources changes.

set(CUTOVER_LAYER_SCRIPT ${CMAKE_CURRENT_LIST_DIR}/CheckLayer.cmake)

function(cutover_layer target)
  cmake_parse_arguments(PARSE_ARGV 1 L "" "" "INCLUDES;NOT;QT_FORBIDDEN")
  get_target_property(sources ${target} SOURCES)
  get_target_property(dir ${target} SOURCE_DIR)
  set(files "")
  foreach(s IN LISTS sources)
    if(s MATCHES "\\.(cpp|h)$")
      cmake_path(ABSOLUTE_PATH s BASE_DIRECTORY ${dir} OUTPUT_VARIABLE abs)
      list(APPEND files ${abs})
    endif()
  endforeach()
  set(qtdirs "")
  foreach(m IN LISTS L_QT_FORBIDDEN)
    list(APPEND qtdirs "${QT6_INSTALL_PREFIX}/${QT6_INSTALL_HEADERS}/Qt${m}")
  endforeach()
  set(stamp ${CMAKE_CURRENT_BINARY_DIR}/${target}.layer)
  string(REPLACE ";" "|" files_arg "${files}")
  string(REPLACE ";" "|" allowed_arg "${L_INCLUDES}")
  string(REPLACE ";" "|" denied_arg "${L_NOT}")
  string(REPLACE ";" "|" qt_arg "${qtdirs}")
  add_custom_command(OUTPUT ${stamp}
    COMMAND ${CMAKE_COMMAND} "-DLAYER=${target}" "-DFILES=${files_arg}" "-DALLOWED=${allowed_arg}"
            "-DDENIED=${denied_arg}" "-DQT_DIRS=${qt_arg}" "-DROOT=${PROJECT_SOURCE_DIR}"
            -P ${CUTOVER_LAYER_SCRIPT}
    COMMAND ${CMAKE_COMMAND} -E touch ${stamp}
    DEPENDS ${files} ${CUTOVER_LAYER_SCRIPT}
    COMMENT "Checking the include rules of ${target}"
    VERBATIM)
  add_custom_target(${target}_layer DEPENDS ${stamp})
  add_dependencies(${target} ${target}_layer)
endfunction()
