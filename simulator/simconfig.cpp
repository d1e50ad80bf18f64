#include "simconfig.h"

#include <sstream>

namespace cutover::sim {

std::string parseTokens(const std::string &text, TokenTable &out)
{
    std::istringstream in(text);
    std::string line;
    int lineNo = 0;
    while (std::getline(in, line)) {
        ++lineNo;
        if (const auto hash = line.find('#'); hash != std::string::npos)
            line.erase(hash);
        std::istringstream fields(line);
        std::string token, subject, role, extra;
        if (!(fields >> token))
            continue;
        if (!(fields >> subject >> role) || (fields >> extra))
            return "token line " + std::to_string(lineNo) + ": expected '<token> <subject> <role>'";
        const auto r = roleFromName(role);
        if (!r)
            return "token line " + std::to_string(lineNo) + ": role must be viewer, operator or admin";
        if (token.size() < 16)
            return "token line " + std::to_string(lineNo) + ": token too short (at least 16 characters)";
        out[token] = Identity {subject, *r};
    }
    if (out.empty())
        return "no tokens given";
    return {};
}

} // namespace cutover::sim
