// The baseline of bench_gui --startup: a bare Qt window showing one line of text, linked with Qt
// Widgets only, started the way the console is. Prints the steady clock when its first frame is
// on screen, then quits. Any first frame that shows the operator something has text in it, and the
// first text loads the font system (fontconfig, FreeType, HarfBuzz): a window without it is no
// fair baseline. For context: `--no-text` leaves the text out, `--size WxH` gives it the console's
// size instead of a bare window's default.
#include "widgets/firstframe.h"

#include <QApplication>
#include <QLabel>
#include <QMainWindow>

#include <chrono>
#include <cstdio>

int main(int argc, char **argv)
{
    QApplication app(argc, argv);
    QMainWindow window;
    const QStringList args = QCoreApplication::arguments();
    if (!args.contains(QStringLiteral("--no-text")))
        window.setCentralWidget(new QLabel(QStringLiteral("Cutover")));
    if (const qsizetype i = args.indexOf(QStringLiteral("--size")); i >= 0 && i + 1 < args.size()) {
        const QStringList wh = args.at(i + 1).split(QLatin1Char('x'));
        if (wh.size() == 2)
            window.resize(wh.at(0).toInt(), wh.at(1).toInt());
    }
    cutover::whenFirstFrameShown(&window, [] {
        const auto now = std::chrono::steady_clock::now().time_since_epoch();
        std::printf("first-frame-ns %lld\n", static_cast<long long>(std::chrono::nanoseconds(now).count()));
        std::fflush(stdout);
        QCoreApplication::quit();
    });
    window.show();
    return QApplication::exec();
}
