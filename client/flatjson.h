#pragma once

// A scanner for the one JSON shape that arrives thousands of times a second: a flat object of
// ASCII scalars, such as a log line. It validates what it reads to the JSON grammar (RFC 8259)
// and hands each member to a callback; anything outside that shape (a nested value, a non-ASCII
// byte, a \u escape, an escaped key, bad syntax) makes it give up, and the caller falls back to
// the full parser, which then also gives the error message. So it can never accept what the full
// parser would reject, only decline.

#include <string>
#include <string_view>

namespace cutover::json {

struct FlatValue
{
    enum class Type { String, Number, Null, True, False };
    Type type = Type::Null;
    // A string's unescaped text, or a number as written. Valid during the callback only.
    std::string_view text;
};

namespace detail {

inline bool isSpace(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

inline bool isDigit(char c)
{
    return c >= '0' && c <= '9';
}

inline void skipSpace(const char *&p, const char *end)
{
    while (p < end && isSpace(*p))
        ++p;
}

// A string from just after its opening quote. Escapes (but \u) are undone into `scratch`; the
// view points into the input when there are none.
inline bool scanString(const char *&p, const char *end, std::string &scratch, std::string_view &out, bool allowEscapes)
{
    const char *start = p;
    while (p < end && *p != '"' && *p != '\\') {
        const auto c = static_cast<unsigned char>(*p);
        if (c < 0x20 || c >= 0x80)
            return false;
        ++p;
    }
    if (p == end)
        return false;
    if (*p == '"') {
        out = std::string_view(start, std::size_t(p - start));
        ++p;
        return true;
    }
    if (!allowEscapes)
        return false;
    scratch.assign(start, std::size_t(p - start));
    while (p < end && *p != '"') {
        const auto c = static_cast<unsigned char>(*p);
        if (c < 0x20 || c >= 0x80)
            return false;
        if (c != '\\') {
            scratch.push_back(char(c));
            ++p;
            continue;
        }
        if (++p == end)
            return false;
        switch (*p) {
        case '"': scratch.push_back('"'); break;
        case '\\': scratch.push_back('\\'); break;
        case '/': scratch.push_back('/'); break;
        case 'b': scratch.push_back('\b'); break;
        case 'f': scratch.push_back('\f'); break;
        case 'n': scratch.push_back('\n'); break;
        case 'r': scratch.push_back('\r'); break;
        case 't': scratch.push_back('\t'); break;
        default: return false; // \u…, or not an escape at all
        }
        ++p;
    }
    if (p == end)
        return false;
    ++p;
    out = scratch;
    return true;
}

// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
inline bool scanNumber(const char *&p, const char *end, std::string_view &out)
{
    const char *start = p;
    if (p < end && *p == '-')
        ++p;
    if (p == end || !isDigit(*p))
        return false;
    if (*p == '0') {
        ++p;
    } else {
        while (p < end && isDigit(*p))
            ++p;
    }
    if (p < end && *p == '.') {
        ++p;
        if (p == end || !isDigit(*p))
            return false;
        while (p < end && isDigit(*p))
            ++p;
    }
    if (p < end && (*p == 'e' || *p == 'E')) {
        ++p;
        if (p < end && (*p == '+' || *p == '-'))
            ++p;
        if (p == end || !isDigit(*p))
            return false;
        while (p < end && isDigit(*p))
            ++p;
    }
    out = std::string_view(start, std::size_t(p - start));
    return true;
}

inline bool scanWord(const char *&p, const char *end, std::string_view word)
{
    if (std::size_t(end - p) < word.size() || std::string_view(p, word.size()) != word)
        return false;
    p += word.size();
    return true;
}

} // namespace detail

// Calls visit(key, value) for each member in order; true when `in` is exactly one flat object
// of that shape (surrounding whitespace allowed). Members may have been visited before a false.
template<typename Visit>
bool scanFlatObject(std::string_view in, std::string &scratch, Visit &&visit)
{
    using namespace detail;
    const char *p = in.data();
    const char *const end = p + in.size();
    skipSpace(p, end);
    if (p == end || *p != '{')
        return false;
    ++p;
    skipSpace(p, end);
    if (p < end && *p == '}') {
        ++p;
    } else {
        for (;;) {
            if (p == end || *p != '"')
                return false;
            ++p;
            std::string_view key;
            if (!scanString(p, end, scratch, key, false))
                return false;
            skipSpace(p, end);
            if (p == end || *p != ':')
                return false;
            ++p;
            skipSpace(p, end);
            if (p == end)
                return false;
            FlatValue value;
            switch (*p) {
            case '"':
                ++p;
                value.type = FlatValue::Type::String;
                if (!scanString(p, end, scratch, value.text, true))
                    return false;
                break;
            case 'n':
                value.type = FlatValue::Type::Null;
                if (!scanWord(p, end, "null"))
                    return false;
                break;
            case 't':
                value.type = FlatValue::Type::True;
                if (!scanWord(p, end, "true"))
                    return false;
                break;
            case 'f':
                value.type = FlatValue::Type::False;
                if (!scanWord(p, end, "false"))
                    return false;
                break;
            default:
                value.type = FlatValue::Type::Number;
                if (!scanNumber(p, end, value.text))
                    return false;
                break;
            }
            visit(key, value);
            skipSpace(p, end);
            if (p == end)
                return false;
            if (*p == '}') {
                ++p;
                break;
            }
            if (*p != ',')
                return false;
            ++p;
            skipSpace(p, end);
        }
    }
    skipSpace(p, end);
    return p == end;
}

} // namespace cutover::json
