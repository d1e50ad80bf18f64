#pragma once

namespace cutover {

class BoardState;
class ConfigActions;
class FlagsModel;
class IdentityModel;
class RoutesModel;

// What the routes and flags panels and their change dialog work with, made by the wiring (app/)
// and handed down by the main window. None is owned.
struct ConfigParts
{
    BoardState *board = nullptr; // the profile, the selection, the sources' freshness
    RoutesModel *routes = nullptr;
    FlagsModel *flags = nullptr;
    ConfigActions *actions = nullptr;
    IdentityModel *identity = nullptr;
};

} // namespace cutover
