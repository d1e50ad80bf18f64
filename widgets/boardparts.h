#pragma once

#include "configparts.h"

namespace cutover {

class AuditLog;
class BoardState;
class ConfigActions;
class FlagsModel;
class IdentityModel;
class RollbackController;
class RoutesModel;

// The models of one session, made and connected by the wiring (app/): the main window hands each
// of its widgets the ones it uses. None is owned.
struct BoardParts
{
    BoardState *board = nullptr; // services, SLO rows, metrics, logs, selection
    IdentityModel *identity = nullptr;
    AuditLog *audit = nullptr;
    RollbackController *rollback = nullptr;
    RoutesModel *routes = nullptr;
    FlagsModel *flags = nullptr;
    ConfigActions *configActions = nullptr;

    ConfigParts config() const { return ConfigParts {board, routes, flags, configActions, identity}; }
};

} // namespace cutover
