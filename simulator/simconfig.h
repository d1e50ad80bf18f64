#pragma once

#include "gatewaystate.h"

#include <QHostAddress>
#include <QString>

#include <cstdint>
#include <map>
#include <optional>
#include <string>

namespace cutover::sim {

struct Identity
{
    std::string subject;
    Role role = Role::Viewer;
};

// Tokens are only ever kept here and compared; they are never logged or echoed.
using TokenTable = std::map<std::string, Identity, std::less<>>;

struct SimConfig
{
    QHostAddress listen = QHostAddress::LocalHost;
    quint16 port = 0;
    std::uint64_t seed = 1;
    bool seedGiven = false;
    double rate = 200;
    int users = 5000;
    int extraServices = 0;
    std::size_t logBuffer = 100000;
    int heartbeatSeconds = 10;
    bool manualClock = false;
    QString tlsCert;
    QString tlsKey;
    QString scenarioFile;
    TokenTable tokens;
    bool tokensGenerated = false;
};

// Parses "<token> <subject> <role>" lines ('#' starts a comment). Returns an error message or "".
std::string parseTokens(const std::string &text, TokenTable &out);

} // namespace cutover::sim
