#pragma once

#include "configpanel.h"

class QPushButton;

namespace cutover {

// The routes of the gateway: per route its prefix, service, the configured share for the
// microservice and the split the metrics observe (with a warning when they differ noticeably and
// there is enough traffic to judge), and the operator's controls to move traffic: a change dialog
// and quick steps (0, 1, 5, 25, 50, 100 %), each through the same reason, preview and confirm.
class RoutesPanel : public ConfigPanel
{
    Q_OBJECT

public:
    explicit RoutesPanel(const ConfigParts &parts, QWidget *parent = nullptr);

    QPushButton *changeButton() const { return m_change; }
    QList<QPushButton *> stepButtons() const { return m_steps; }
    // Selects the route's row; false if there is none.
    bool selectRoute(const QString &routeId);
    // Opens the change dialog for the selected route, preset to `percent` when given.
    void changeSelected(std::optional<int> percent = std::nullopt);

protected:
    QString blockedReason() const override;

private:
    void updateBanner();

    QPushButton *m_change;
    QList<QPushButton *> m_steps;
};

} // namespace cutover
