#include "logview.h"
#include "panels.h"

#include "client/offthread.h"
#include "widgets/logdelegate.h"

#include "models/boardstate.h"
#include "models/logexport.h"
#include "models/logqueries.h"
#include "models/logstore.h"
#include "models/logtablemodel.h"
#include "models/servicemodel.h"

#include <QApplication>
#include <QClipboard>
#include <QComboBox>
#include <QFileDialog>
#include <QFontDatabase>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QKeyEvent>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPushButton>
#include <QScrollBar>
#include <QTableView>
#include <QToolButton>
#include <QVBoxLayout>

#include <algorithm>
#include <vector>

namespace cutover {

namespace {

QString megabytes(std::size_t bytes)
{
    const double mb = double(bytes) / (1024.0 * 1024.0);
    return mb >= 100 || mb == double(qint64(mb)) ? QLocale().toString(qint64(mb + 0.5))
                                                 : QLocale().toString(mb, 'f', 1);
}

QString chipStyle(const QColor &background)
{
    return QStringLiteral("QLabel { border-radius: 9px; padding: 1px 9px; color: white; font-weight: 600;"
                          " background: %1; }")
        .arg(background.name());
}

} // namespace

LogView::LogView(BoardState *state, QWidget *parent)
    : QWidget(parent)
    , m_state(state)
    , m_model(new LogTableModel(state->logs(), this))
    , m_exportJob(new LogExport(this))
{
    buildToolbar();
    setUpTable();

    m_filterDelay.setSingleShot(true);
    m_filterDelay.setInterval(150);
    connect(&m_filterDelay, &QTimer::timeout, this, &LogView::applyFilter);

    connect(m_state, &BoardState::logsAppended, this, &LogView::logsAppended);
    connect(m_state, &BoardState::selectionChanged, this, &LogView::selectionChanged);
    ServiceModel *services = m_state->services();
    connect(services, &QAbstractItemModel::rowsInserted, this, &LogView::rebuildServices);
    connect(services, &QAbstractItemModel::rowsRemoved, this, &LogView::rebuildServices);
    connect(services, &QAbstractItemModel::modelReset, this, &LogView::rebuildServices);
    rebuildServices();

    connect(m_model, &LogTableModel::filterErrorChanged, this, &LogView::showFilterError);
    connect(m_model, &LogTableModel::followingChanged, this, &LogView::updateFollowUi);
    connect(m_model, &LogTableModel::newSincePauseChanged, this, &LogView::updateFollowUi);
    // A new filter's matches arrive in batches: the count follows, and a paused view finds its place.
    connect(m_model, &LogTableModel::scanProgressChanged, this, [this] {
        placeAnchor();
        updateCount();
    });
    connect(m_exportJob, &LogExport::progress, this,
            [this](int percent) { m_export->setText(tr("Exporting… %1 %").arg(percent)); });
    connect(m_exportJob, &LogExport::finished, this, &LogView::exportDone);
    // Following: stay at the bottom. Paused: rows leaving the top must not move what is shown.
    connect(m_model, &QAbstractItemModel::rowsInserted, this, [this] {
        if (m_model->isFollowing())
            m_table->scrollToBottom();
    });
    connect(m_model, &QAbstractItemModel::rowsAboutToBeRemoved, this,
            [this](const QModelIndex &, int first, int last) { m_removedAbove = first == 0 ? last + 1 : 0; });
    connect(m_model, &QAbstractItemModel::rowsRemoved, this, [this] {
        QScrollBar *bar = m_table->verticalScrollBar();
        if (m_model->isFollowing())
            m_table->scrollToBottom();
        else if (m_removedAbove > 0)
            bar->setValue(std::max(0, bar->value() - m_removedAbove));
        m_removedAbove = 0;
    });

    m_model->refresh();
    setLogSource(m_state->logSource());
    selectionChanged(m_state->selection());
    updateFollowUi();
    updateCount();
}

LogView::~LogView() = default;

void LogView::buildToolbar()
{
    m_level = new QComboBox(this);
    m_level->setObjectName(QStringLiteral("levelFilter"));
    m_level->addItem(tr("All levels"), -1);
    m_level->addItem(tr("Info and above"), int(LogLevel::Info));
    m_level->addItem(tr("Warnings and errors"), int(LogLevel::Warn));
    m_level->addItem(tr("Errors only"), int(LogLevel::Error));
    connect(m_level, &QComboBox::currentIndexChanged, this, &LogView::applyFilter);

    m_service = new QComboBox(this);
    m_service->setObjectName(QStringLiteral("serviceFilter"));
    m_service->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    connect(m_service, &QComboBox::currentIndexChanged, this, &LogView::applyFilter);

    m_text = new QLineEdit(this);
    m_text->setObjectName(QStringLiteral("textFilter"));
    m_text->setPlaceholderText(tr("Filter text (Ctrl+F)"));
    m_text->setClearButtonEnabled(true);
    m_text->setMinimumWidth(220);
    connect(m_text, &QLineEdit::textChanged, this, &LogView::scheduleFilter);
    m_text->setProperty(kFindFieldProperty, true); // the window's Find comes here while the logs have the focus

    m_regex = new QToolButton(this);
    m_regex->setObjectName(QStringLiteral("regexToggle"));
    m_regex->setText(QStringLiteral(".*"));
    m_regex->setCheckable(true);
    m_regex->setToolTip(tr("Regular expression (PCRE syntax, case-insensitive)"));
    connect(m_regex, &QToolButton::toggled, this, &LogView::applyFilter);

    m_requestId = new QLineEdit(this);
    m_requestId->setObjectName(QStringLiteral("requestIdFilter"));
    m_requestId->setPlaceholderText(tr("Request ID"));
    m_requestId->setClearButtonEnabled(true);
    m_requestId->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_requestId->setMinimumWidth(QFontMetrics(m_requestId->font()).horizontalAdvance(QStringLiteral("req-0123456789abcdef")) + 36);
    m_requestId->setToolTip(tr("Only the lines of one request (click a request id in the table)"));
    connect(m_requestId, &QLineEdit::textChanged, this, &LogView::requestIdEdited);

    m_follow = new QPushButton(this);
    m_follow->setObjectName(QStringLiteral("followButton"));
    m_follow->setToolTip(tr("Follow new lines or keep the current place (Space)"));
    connect(m_follow, &QPushButton::clicked, this, [this] { setFollowing(!isFollowing()); });

    m_newLines = new QPushButton(this);
    m_newLines->setObjectName(QStringLiteral("newLinesBadge"));
    m_newLines->setFlat(true);
    m_newLines->setCursor(Qt::PointingHandCursor);
    m_newLines->setToolTip(tr("Jump to the newest line and follow"));
    m_newLines->setStyleSheet(QStringLiteral("QPushButton { border: none; border-radius: 9px; padding: 1px 10px;"
                                             " background: #e09b1a; color: white; font-weight: 600; }"));
    connect(m_newLines, &QPushButton::clicked, this, [this] { setFollowing(true); });

    m_export = new QPushButton(tr("Export…"), this);
    m_export->setObjectName(QStringLiteral("exportButton"));
    m_export->setToolTip(tr("Save the lines shown (as filtered) to a file"));
    connect(m_export, &QPushButton::clicked, this, &LogView::exportClicked);

    m_filterError = new QLabel(this);
    m_filterError->setObjectName(QStringLiteral("filterError"));
    m_filterError->setStyleSheet(QStringLiteral("QLabel { color: #c62828; }"));
    m_filterError->setTextFormat(Qt::PlainText);
    m_filterError->hide();

    m_chip = new QLabel(this);
    m_chip->setObjectName(QStringLiteral("connectionChip"));
    m_count = new QLabel(this);
    m_count->setObjectName(QStringLiteral("countLabel"));
    m_count->setTextFormat(Qt::PlainText);

    auto *bar = new QHBoxLayout;
    bar->setSpacing(6);
    bar->addWidget(m_level);
    bar->addWidget(m_service);
    bar->addWidget(m_text, 2);
    bar->addWidget(m_regex);
    bar->addWidget(m_requestId, 1);
    bar->addSpacing(8);
    bar->addWidget(m_follow);
    bar->addWidget(m_newLines);
    bar->addStretch();
    bar->addWidget(m_export);

    auto *footer = new QHBoxLayout;
    footer->addWidget(m_chip);
    footer->addSpacing(6);
    footer->addWidget(m_count, 1);

    m_table = new QTableView(this);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(6, 6, 6, 6);
    layout->setSpacing(4);
    layout->addLayout(bar);
    layout->addWidget(m_filterError);
    layout->addWidget(m_table, 1);
    layout->addLayout(footer);
}

void LogView::setUpTable()
{
    m_table->setObjectName(QStringLiteral("logTable"));
    m_table->setModel(m_model);
    m_table->setItemDelegate(new LogDelegate(m_table));
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->setShowGrid(false);
    m_table->setWordWrap(false);
    m_table->setAlternatingRowColors(true);
    m_table->setVerticalScrollMode(QAbstractItemView::ScrollPerItem);
    m_table->setHorizontalScrollMode(QAbstractItemView::ScrollPerPixel);
    m_table->setMouseTracking(true);

    // Uniform rows: one fixed height, no per-row measuring whatever the row count.
    const QFont fixed = QFontDatabase::systemFont(QFontDatabase::FixedFont);
    const QFontMetrics fm(font());
    const QFontMetrics fixedFm(fixed);
    QHeaderView *rows = m_table->verticalHeader();
    rows->hide();
    rows->setSectionResizeMode(QHeaderView::Fixed);
    rows->setMinimumSectionSize(1);
    rows->setDefaultSectionSize(std::max(fm.height(), fixedFm.height()) + 6);

    QHeaderView *columns = m_table->horizontalHeader();
    columns->setHighlightSections(false);
    columns->setDefaultAlignment(Qt::AlignLeft | Qt::AlignVCenter);
    columns->setStretchLastSection(true);
    const auto width = [](const QFontMetrics &m, const char *sample) {
        return m.horizontalAdvance(QString::fromLatin1(sample)) + 20;
    };
    m_table->setColumnWidth(LogTableModel::TimeColumn, width(fixedFm, "00:00:00.000"));
    m_table->setColumnWidth(LogTableModel::LevelColumn, width(fm, "ERROR") + 4);
    m_table->setColumnWidth(LogTableModel::ServiceColumn, width(fm, "notification-service"));
    m_table->setColumnWidth(LogTableModel::BackendColumn, width(fm, "microservice"));
    m_table->setColumnWidth(LogTableModel::MethodColumn, width(fm, "DELETE"));
    m_table->setColumnWidth(LogTableModel::PathColumn, width(fixedFm, "/api/notifications/12345/read"));
    m_table->setColumnWidth(LogTableModel::StatusColumn, width(fm, "Status") + 8);
    m_table->setColumnWidth(LogTableModel::LatencyColumn, width(fixedFm, "10000.0 ms") + 8);
    m_table->setColumnWidth(LogTableModel::RequestIdColumn, width(fixedFm, "req-0123456789abcdef"));

    m_table->installEventFilter(this);
    connect(m_table, &QTableView::clicked, this, &LogView::cellClicked);
    connect(m_table, &QTableView::entered, this, [this](const QModelIndex &index) {
        const bool link = index.column() == LogTableModel::RequestIdColumn
            && !index.data(LogTableModel::IsGapRole).toBool();
        m_table->viewport()->setCursor(link ? Qt::PointingHandCursor : Qt::ArrowCursor);
    });
    // Scrolling away from the newest line by hand means "let me read": pause.
    connect(m_table->verticalScrollBar(), &QScrollBar::actionTriggered, this, [this] {
        m_anchor.reset(); // the operator has moved: no place to keep any more
        const QScrollBar *bar = m_table->verticalScrollBar();
        if (isFollowing() && bar->sliderPosition() < bar->maximum())
            setFollowing(false);
    });
}

void LogView::setLogSource(LogSource *stream)
{
    for (const QMetaObject::Connection &c : std::as_const(m_streamConnections))
        disconnect(c);
    m_streamConnections.clear();
    m_stream = stream;
    m_streamAttached = stream != nullptr;
    if (stream) {
        m_streamConnections = {
            connect(stream, &LogSource::connectionStateChanged, this, &LogView::connectionStateChanged),
            // BoardState keeps a plain pointer: never pick a destroyed stream up again.
            connect(stream, &QObject::destroyed, this,
                    [this] { connectionStateChanged(LogSource::State::Stopped, std::nullopt); }),
        };
        connectionStateChanged(stream->state(), stream->lastError());
    } else {
        connectionStateChanged(LogSource::State::Stopped, std::nullopt);
    }
}

void LogView::connectionStateChanged(LogSource::State state, const std::optional<ApiError> &error)
{
    QString text;
    QColor color(0x8a, 0x8f, 0x98);
    switch (state) {
    case LogSource::State::Streaming:
        text = tr("Live");
        color = QColor(0x2e, 0x9e, 0x5b);
        break;
    case LogSource::State::Connecting:
        text = tr("Connecting…");
        color = QColor(0xe0, 0x9b, 0x1a);
        break;
    case LogSource::State::Reconnecting:
        text = error ? tr("Reconnecting (%1)").arg(ApiError::kindName(error->kind).toLower()) : tr("Reconnecting");
        color = QColor(0xe0, 0x9b, 0x1a);
        break;
    case LogSource::State::Stopped:
        text = m_stream ? (error ? tr("Stopped (%1)").arg(ApiError::kindName(error->kind).toLower()) : tr("Stopped"))
                        : tr("No log stream");
        if (error)
            color = LogDelegate::errorColor();
        break;
    }
    m_chip->setText(text);
    m_chip->setToolTip(error ? error->describe() : tr("Log stream: %1").arg(text));
    m_chip->setStyleSheet(chipStyle(color));
}

void LogView::logsAppended()
{
    m_model->refresh();
    if (!m_streamAttached && m_state->logSource())
        setLogSource(m_state->logSource());
    updateCount();
}

void LogView::scheduleFilter()
{
    m_filterDelay.start();
}

void LogView::applyFilter()
{
    m_filterDelay.stop();
    LogFilter filter;
    if (const int level = m_level->currentData().toInt(); level >= 0)
        filter.minLevel = LogLevel(level);
    if (m_service->currentIndex() > 0)
        filter.service = m_service->currentText();
    if (m_regex->isChecked()) {
        filter.pattern = m_text->text();
        filter.patternCase = Qt::CaseInsensitive;
    } else {
        filter.text = m_text->text();
    }
    filter.requestId = m_requestId->text().trimmed();

    // Paused: the first line on screen (or the next one that still matches) stays on top.
    const std::optional<quint64> anchor = isFollowing() ? std::nullopt : std::optional(topVisibleSeq());
    if (!m_model->setFilter(filter))
        return;
    m_anchor.reset();
    if (isFollowing())
        m_table->scrollToBottom();
    else if (anchor)
        keepPlace(*anchor, false);
    updateCount();
}

void LogView::keepPlace(quint64 seq, bool select)
{
    m_anchor = Anchor {seq, select};
    placeAnchor();
}

void LogView::placeAnchor()
{
    if (!m_anchor)
        return;
    // The row is known once the scan has passed it (or has ended: then no later match was
    // found by it, and the first row after is a live one, if any).
    const int row = m_model->rowForSeq(m_anchor->seq);
    const bool known = !m_model->isScanning()
        || (row < m_model->rowCount() && m_model->seqAt(row) < m_model->scannedTo());
    if (!known)
        return;
    const Anchor anchor = *m_anchor;
    m_anchor.reset();
    // Rows just inserted: the scroll bar's range is laid out lazily, and would clamp the scroll.
    m_table->doItemsLayout();
    scrollToSeq(anchor.seq, anchor.select);
}

void LogView::showFilterError(const QString &error)
{
    m_filterError->setText(error.isEmpty() ? QString() : QStringLiteral("⚠ ") + error);
    m_filterError->setVisible(!error.isEmpty());
    m_text->setStyleSheet(error.isEmpty() ? QString() : QStringLiteral("QLineEdit { border: 1px solid #c62828; }"));
}

void LogView::selectionChanged(const MetricGroup &group)
{
    switch (group.scope) {
    case MetricGroup::Scope::Service: selectService(group.name); break;
    // LogFilter has no route criterion: a route narrows to the service behind it.
    case MetricGroup::Scope::Route: selectService(serviceOfRoute(*m_state->logs(), group.name)); break;
    case MetricGroup::Scope::Overall: selectService({}); break;
    }
}

void LogView::selectService(const QString &service)
{
    int index = 0;
    if (!service.isEmpty()) {
        index = m_service->findText(service);
        if (index < 0) {
            m_service->addItem(service);
            index = m_service->count() - 1;
        }
    }
    m_service->setCurrentIndex(index);
}

void LogView::rebuildServices()
{
    const QString current = m_service->currentIndex() > 0 ? m_service->currentText() : QString();
    const QSignalBlocker blocker(m_service);
    m_service->clear();
    m_service->addItem(tr("All services"));
    const ServiceModel *services = m_state->services();
    for (int row = 0; row < services->rowCount(); ++row) {
        const ServiceHealth &s = services->service(row);
        if (s.kind == ServiceKind::Microservice)
            m_service->addItem(s.name);
    }
    int index = 0;
    if (!current.isEmpty()) {
        index = m_service->findText(current);
        if (index < 0) {
            m_service->addItem(current);
            index = m_service->count() - 1;
        }
    }
    m_service->setCurrentIndex(index);
}

void LogView::cellClicked(const QModelIndex &index)
{
    if (index.column() != LogTableModel::RequestIdColumn || index.data(LogTableModel::IsGapRole).toBool())
        return;
    const QString id = index.data(LogTableModel::RequestIdRole).toString();
    if (id.isEmpty() || id == m_requestId->text())
        return;
    m_returnSeq = index.data(LogTableModel::SeqRole).toULongLong();
    setRequestIdFilter(id);
}

void LogView::setRequestIdFilter(const QString &requestId)
{
    m_requestId->setText(requestId); // schedules the filter; it applies now instead
    applyFilter();
}

void LogView::requestIdEdited(const QString &text)
{
    if (!text.isEmpty() || !m_returnSeq) {
        scheduleFilter();
        return;
    }
    // Cleared after a click on a request id: back to that line, with its neighbours around it.
    const quint64 seq = *m_returnSeq;
    m_returnSeq.reset();
    setFollowing(false);
    applyFilter();
    keepPlace(seq, true);
}

void LogView::setFollowing(bool following)
{
    m_model->setFollowing(following);
    if (following)
        m_table->scrollToBottom();
}

bool LogView::isFollowing() const
{
    return m_model->isFollowing();
}

void LogView::updateFollowUi()
{
    const bool following = isFollowing();
    m_follow->setText(following ? tr("Pause") : tr("Follow"));
    m_follow->setIcon(style()->standardIcon(following ? QStyle::SP_MediaPause : QStyle::SP_MediaPlay));
    const qint64 count = m_model->newSincePause();
    m_newLines->setText(count == 1 ? tr("1 new line") : tr("%1 new lines").arg(QLocale().toString(count)));
    m_newLines->setVisible(!following && count > 0);
}

void LogView::updateCount()
{
    m_count->setText(countText());
}

QString LogView::countText() const
{
    const LogStore *store = m_state->logs();
    const QLocale locale;
    QString text = tr("%1 lines").arg(locale.toString(qint64(store->size())));
    if (!m_model->filter().isEmpty())
        text += tr(" · %1 matching").arg(locale.toString(m_model->rowCount()));
    if (m_model->isScanning())
        text += tr(" (filtering… %1 %)").arg(int(m_model->scanProgress() * 100));
    text += tr(" · store %1 MB of %2 MB").arg(megabytes(store->bytesUsed()), megabytes(store->byteBudget()));
    if (store->evictedEntries() > 0)
        text += tr(" · %1 older lines dropped").arg(locale.toString(store->evictedEntries()));
    return text;
}

QString LogView::filterErrorText() const
{
    return m_filterError->isHidden() ? QString() : m_filterError->text();
}

QString LogView::connectionText() const
{
    return m_chip->text();
}

QString LogView::newLinesText() const
{
    return m_newLines->isHidden() ? QString() : m_newLines->text();
}

quint64 LogView::topVisibleSeq() const
{
    const int row = m_table->rowAt(0);
    if (row < 0)
        return m_model->rowCount() > 0 ? m_model->seqAt(0) : m_state->logs()->endSeq();
    return m_model->seqAt(row);
}

void LogView::scrollToSeq(quint64 seq, bool select)
{
    const int row = m_model->rowForSeq(seq);
    if (row >= m_model->rowCount())
        return;
    const QModelIndex index = m_model->index(row, 0);
    m_table->scrollTo(index, QAbstractItemView::PositionAtTop);
    if (select) {
        m_table->setCurrentIndex(index);
        m_table->selectRow(row);
    }
}

void LogView::copySelection()
{
    QList<int> rows;
    for (const QModelIndex &index : m_table->selectionModel()->selectedRows())
        rows.append(index.row());
    if (rows.isEmpty() && m_table->currentIndex().isValid())
        rows.append(m_table->currentIndex().row());
    if (rows.isEmpty())
        return;
    std::sort(rows.begin(), rows.end());
    QString text;
    for (int row : std::as_const(rows))
        text += m_model->rowText(row) + u'\n';
    QApplication::clipboard()->setText(text);
}

bool LogView::startExport(const QString &path)
{
    if (m_exportJob->isRunning())
        return false;
    std::vector<quint64> seqs;
    const int rows = m_model->rowCount();
    seqs.reserve(std::size_t(rows));
    for (int row = 0; row < rows; ++row)
        seqs.push_back(m_model->seqAt(row));
    if (!m_exportJob->start(*m_state->logs(), std::move(seqs), path))
        return false;
    m_export->setEnabled(false);
    m_export->setText(tr("Exporting… %1 %").arg(0));
    return true;
}

bool LogView::isExporting() const
{
    return m_exportJob->isRunning();
}

void LogView::exportDone(bool ok, const QString &message)
{
    m_export->setEnabled(true);
    m_export->setText(tr("Export…"));
    Q_EMIT exportFinished(ok, message);
}

void LogView::exportClicked()
{
    const QString path = QFileDialog::getSaveFileName(this, tr("Export log lines"), QStringLiteral("cutover-log.tsv"),
                                                      tr("Tab-separated text (*.tsv *.txt *.log)"));
    if (path.isEmpty() || !startExport(path))
        return;
    const auto finished = [this](bool ok, const QString &message) {
        if (!ok) {
            QMessageBox::warning(this, tr("Export failed"), message);
            return;
        }
        m_export->setText(tr("Exported ✓"));
        m_export->setToolTip(tr("Save the lines shown (as filtered) to a file\nLast: %1").arg(message));
        QTimer::singleShot(4000, m_export, [this] {
            if (!isExporting())
                m_export->setText(tr("Export…"));
        });
    };
    connect(this, &LogView::exportFinished, this, finished, Qt::SingleShotConnection);
}

bool LogView::eventFilter(QObject *watched, QEvent *event)
{
    if (watched == m_table && event->type() == QEvent::KeyPress) {
        auto *key = static_cast<QKeyEvent *>(event);
        if (key->matches(QKeySequence::Copy)) {
            copySelection();
            return true;
        }
        if (key->key() == Qt::Key_Space && key->modifiers() == Qt::NoModifier) {
            setFollowing(!isFollowing());
            return true;
        }
    }
    return QWidget::eventFilter(watched, event);
}

} // namespace cutover
