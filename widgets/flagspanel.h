#pragma once

#include "configpanel.h"

class QPushButton;

namespace cutover {

// The gateway's feature flags: enabled, rollout percent, allow-listed users and, for a flag named
// use_<x>_microservice, the routes it affects. Changes go through the same reason, preview,
// confirm and conflict flow as routes (ChangeDialog).
class FlagsPanel : public ConfigPanel
{
    Q_OBJECT

public:
    explicit FlagsPanel(const ConfigParts &parts, QWidget *parent = nullptr);

    QPushButton *changeButton() const { return m_change; }
    QPushButton *toggleButton() const { return m_toggle; }
    bool selectFlag(const QString &name);
    // Opens the change dialog for the selected flag; `enable` presets the switch.
    void changeSelected(std::optional<bool> enable = std::nullopt);

protected:
    QString blockedReason() const override;

private:
    void updateToggle();

    QPushButton *m_change;
    QPushButton *m_toggle;
};

} // namespace cutover
