#include "logging.h"

#include <QString>
#include <QtGlobal>

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

namespace cutover {

static void qtToSpdlog(QtMsgType type, const QMessageLogContext &, const QString &message)
{
    auto log = spdlog::get("ui");
    if (!log)
        return;
    const std::string text = message.toStdString();
    switch (type) {
    case QtDebugMsg: log->debug("{}", text); break;
    case QtInfoMsg: log->info("{}", text); break;
    case QtWarningMsg: log->warn("{}", text); break;
    case QtCriticalMsg:
    case QtFatalMsg: log->error("{}", text); break;
    }
}

void setupLogging(bool verbose)
{
    auto sink = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
    for (const char *name : {"net", "model", "ui"}) {
        if (spdlog::get(name))
            continue;
        auto logger = std::make_shared<spdlog::logger>(name, sink);
        logger->set_level(verbose ? spdlog::level::debug : spdlog::level::warn);
        logger->set_pattern("%H:%M:%S.%e %n %^%l%$ %v");
        spdlog::register_logger(logger);
    }
    qInstallMessageHandler(qtToSpdlog);
}

} // namespace cutover
