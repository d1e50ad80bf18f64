#pragma once

#include <cmath>
#include <cstdint>
#include <numbers>

namespace cutover::sim {

// xoshiro256** seeded through splitmix64: small, fast and, above all, identical on every platform,
// which std::mt19937 + std::*_distribution are not (distributions are implementation-defined).
// --seed promises repeatable runs, so every random draw of the simulator goes through this.
class Rng
{
public:
    explicit Rng(std::uint64_t seed = 1) { reseed(seed); }

    void reseed(std::uint64_t seed)
    {
        for (auto &s : m_s) {
            seed += 0x9e3779b97f4a7c15ULL;
            std::uint64_t z = seed;
            z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
            z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
            s = z ^ (z >> 31);
        }
    }

    std::uint64_t next()
    {
        const std::uint64_t result = rotl(m_s[1] * 5, 7) * 9;
        const std::uint64_t t = m_s[1] << 17;
        m_s[2] ^= m_s[0];
        m_s[3] ^= m_s[1];
        m_s[1] ^= m_s[2];
        m_s[0] ^= m_s[3];
        m_s[2] ^= t;
        m_s[3] = rotl(m_s[3], 45);
        return result;
    }

    // Uniform in [0, 1).
    double uniform() { return double(next() >> 11) * 0x1.0p-53; }
    // Uniform integer in [0, n).
    std::uint64_t below(std::uint64_t n) { return n == 0 ? 0 : next() % n; }
    bool chance(double p) { return uniform() < p; }

    double normal()
    {
        // Box-Muller; the second value is dropped to keep the stream position simple.
        const double u1 = 1.0 - uniform();
        const double u2 = uniform();
        return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
    }

    double logNormal(double median, double sigma) { return median * std::exp(sigma * normal()); }

    // Pareto with scale 1 and shape alpha: the heavy tail of request latencies.
    double pareto(double alpha) { return std::pow(1.0 - uniform(), -1.0 / alpha); }

    // Poisson by inversion for small means, normal approximation for large ones.
    std::uint64_t poisson(double mean)
    {
        if (mean <= 0)
            return 0;
        if (mean > 60) {
            const double v = std::round(mean + std::sqrt(mean) * normal());
            return v < 0 ? 0 : std::uint64_t(v);
        }
        const double limit = std::exp(-mean);
        double p = uniform();
        std::uint64_t k = 0;
        while (p > limit) {
            p *= uniform();
            ++k;
        }
        return k;
    }

private:
    static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
    std::uint64_t m_s[4] {};
};

} // namespace cutover::sim
