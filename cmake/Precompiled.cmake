# Precompiled headers: Qt and the standard library are most of what every translation unit
# parses, and on a 2-core CI machine parsing them again in each of ~300 files is minutes. But a
# precompiled header costs 11-23 s to make, and saves about 1 s per file of a library (more in a
# test): only the libraries with 20 files or more (client, models, widgets) make one, each of its
# own layer's headers (a model gets no Widgets or Network header this way either), and the tests
# of one folder and layer share one. Measured in CI's build log (.ninja_log), 2026-12-07.
# CUTOVER_PCH=OFF builds without them, as the fuzz preset does, so a missing #include still shows.
option(CUTOVER_PCH "Use precompiled headers" ON)

set(CUTOVER_PCH_CORE
  <QByteArray> <QDateTime> <QHash> <QList> <QMap> <QObject> <QPointer> <QSet> <QString>
  <QStringList> <QTimer> <QUrl> <QVariant> <QJsonArray> <QJsonDocument> <QJsonObject>
  <algorithm> <chrono> <functional> <memory> <optional> <utility> <vector>)
set(CUTOVER_PCH_NETWORK <QNetworkAccessManager> <QNetworkReply> <QNetworkRequest>)
set(CUTOVER_PCH_WIDGETS
  <QApplication> <QHBoxLayout> <QHeaderView> <QLabel> <QPainter> <QPushButton> <QStyledItemDelegate>
  <QTableView> <QVBoxLayout> <QWidget>)
set(CUTOVER_PCH_TEST <QSignalSpy> <QTest>)

# cutover_pch(<target> <part>...): parts are CORE NETWORK WIDGETS TEST.
function(cutover_pch target)
  if(NOT CUTOVER_PCH)
    return()
  endif()
  set(headers "")
  foreach(part IN LISTS ARGN)
    list(APPEND headers ${CUTOVER_PCH_${part}})
  endforeach()
  target_precompile_headers(${target} PRIVATE ${headers})
endfunction()

# cutover_pch_shared(<target> <key> <part>...): the first target of a key precompiles, the others
# reuse its header. Only for targets built with the same flags (one test folder and layer).
function(cutover_pch_shared target key)
  if(NOT CUTOVER_PCH)
    return()
  endif()
  get_property(host GLOBAL PROPERTY CUTOVER_PCH_HOST_${key})
  if(host)
    target_precompile_headers(${target} REUSE_FROM ${host})
  else()
    cutover_pch(${target} ${ARGN})
    set_property(GLOBAL PROPERTY CUTOVER_PCH_HOST_${key} ${target})
  endif()
endfunction()
