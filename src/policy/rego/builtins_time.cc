// time.* builtins as OPA defines them: nanoseconds since the epoch, optionally with an IANA
// time zone ([ns, "Europe/Paris"], read from the system's zoneinfo), and Go's layout strings
// for time.format / time.parse_ns ("2006-01-02T15:04:05Z07:00" or a name such as "RFC1123Z").
// Results outside int64 nanoseconds are errors, as in OPA.
#include <cctype>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "policy/rego/bigint.h"
#include "policy/rego/builtins.h"
#include "policy/rego/value.h"

namespace cocoon::policy::rego {
namespace {

constexpr int64_t kNs = 1000000000;

Opt Fail(std::string msg) {
  SetBuiltinError("eval_builtin_error", std::move(msg));
  return std::nullopt;
}

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

void CivilFromDays(int64_t z, int64_t& y, unsigned& m, unsigned& d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  y = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y += m <= 2;
}

bool IsLeap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }
int DaysIn(int64_t y, int m) {
  static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && IsLeap(y) ? 29 : kDays[m - 1];
}

// ---- time zones (TZif files of the system's zoneinfo) ----
struct Zone {
  struct Type {
    int32_t offset;
    bool dst;
    std::string abbr;
  };
  std::vector<int64_t> at;       // transition times (Unix seconds)
  std::vector<uint8_t> type_of;  // type index per transition
  std::vector<Type> types;
  bool utc = false;

  const Type& TypeAt(int64_t unix) const {
    static const Type kUtc{0, false, "UTC"};
    if (utc || types.empty()) return kUtc;
    size_t lo = 0, hi = at.size();
    while (lo < hi) {  // first transition after `unix`
      size_t mid = (lo + hi) / 2;
      if (at[mid] <= unix) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    if (lo == 0) {
      for (const Type& t : types) {
        if (!t.dst) return t;
      }
      return types[0];
    }
    return types[type_of[lo - 1]];
  }
};

int64_t BigEndian(const std::string& s, size_t at, int n) {
  uint64_t v = 0;
  for (int i = 0; i < n; ++i) v = (v << 8) | static_cast<unsigned char>(s[at + i]);
  if (n == 4) return static_cast<int32_t>(static_cast<uint32_t>(v));
  return static_cast<int64_t>(v);
}

// Parses a TZif file (version 1 data, or the 64-bit block of versions 2+).
std::optional<Zone> ParseTzif(const std::string& s) {
  auto block = [&](size_t at, int width, size_t& end) -> std::optional<Zone> {
    if (s.size() < at + 44 || s.compare(at, 4, "TZif") != 0) return std::nullopt;
    int64_t isutcnt = BigEndian(s, at + 20, 4), isstdcnt = BigEndian(s, at + 24, 4),
            leapcnt = BigEndian(s, at + 28, 4), timecnt = BigEndian(s, at + 32, 4),
            typecnt = BigEndian(s, at + 36, 4), charcnt = BigEndian(s, at + 40, 4);
    if (timecnt < 0 || typecnt <= 0 || charcnt < 0 || typecnt > 256 || timecnt > 100000) {
      return std::nullopt;
    }
    size_t p = at + 44;
    size_t need = timecnt * width + timecnt + typecnt * 6 + charcnt + leapcnt * (width + 4) +
                  isstdcnt + isutcnt;
    if (s.size() < p + need) return std::nullopt;
    Zone z;
    for (int64_t i = 0; i < timecnt; ++i) z.at.push_back(BigEndian(s, p + i * width, width));
    p += timecnt * width;
    for (int64_t i = 0; i < timecnt; ++i) {
      uint8_t t = static_cast<uint8_t>(s[p + i]);
      if (t >= typecnt) return std::nullopt;
      z.type_of.push_back(t);
    }
    p += timecnt;
    size_t chars = p + typecnt * 6;
    for (int64_t i = 0; i < typecnt; ++i) {
      Zone::Type t;
      t.offset = static_cast<int32_t>(BigEndian(s, p + i * 6, 4));
      t.dst = s[p + i * 6 + 4] != 0;
      size_t ai = static_cast<unsigned char>(s[p + i * 6 + 5]);
      if (ai < static_cast<size_t>(charcnt)) t.abbr = std::string(s.c_str() + chars + ai);
      z.types.push_back(t);
    }
    end = p + need - timecnt * width - timecnt;
    return z;
  };
  size_t end = 0;
  auto v1 = block(0, 4, end);
  if (!v1) return std::nullopt;
  if (s[4] >= '2') {
    size_t end2 = 0;
    if (auto v2 = block(end, 8, end2)) return v2;
  }
  return v1;
}

// The zone named `name` ("" and "UTC" are UTC; "Local" is UTC: policies must not depend on
// the host's zone), or nullptr if unknown.
const Zone* FindZone(const std::string& name) {
  static std::mutex mu;
  static auto* cache = new std::map<std::string, std::unique_ptr<Zone>>();
  static const Zone kUtc = [] {
    Zone z;
    z.utc = true;
    return z;
  }();
  if (name.empty() || name == "UTC" || name == "Local") return &kUtc;
  if (name.size() > 64 || name[0] == '/' || name.find("..") != std::string::npos) return nullptr;
  for (char c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '/' && c != '_' && c != '-' &&
        c != '+') {
      return nullptr;
    }
  }
  std::lock_guard<std::mutex> lock(mu);
  if (auto it = cache->find(name); it != cache->end()) return it->second.get();
  std::unique_ptr<Zone> zone;
  std::ifstream f("/usr/share/zoneinfo/" + name, std::ios::binary);
  if (f) {
    std::string data((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    if (data.size() < (1 << 20)) {
      if (auto z = ParseTzif(data)) zone = std::make_unique<Zone>(std::move(*z));
    }
  }
  const Zone* out = zone.get();
  if (cache->size() < 1024) (*cache)[name] = std::move(zone);
  return out;
}

// A point in time: Unix seconds, nanoseconds within the second, and the zone to show it in.
struct Instant {
  int64_t sec = 0;
  int64_t nsec = 0;
  const Zone* zone = nullptr;
};

// Broken-down local time.
struct Civil {
  int64_t year;
  int month, day, hour, minute, second, weekday, yday;  // weekday 0 = Sunday; yday from 1
  int64_t nsec;
  int32_t offset;
  std::string abbr;
};

Civil ToCivil(const Instant& t) {
  const Zone::Type& ty = t.zone->TypeAt(t.sec);
  int64_t local = t.sec + ty.offset;
  int64_t days = FloorDiv(local, 86400), tod = local - days * 86400;
  Civil c;
  unsigned m, d;
  CivilFromDays(days, c.year, m, d);
  c.month = static_cast<int>(m);
  c.day = static_cast<int>(d);
  c.hour = static_cast<int>(tod / 3600);
  c.minute = static_cast<int>(tod / 60 % 60);
  c.second = static_cast<int>(tod % 60);
  c.weekday = static_cast<int>(((days % 7) + 11) % 7);  // 1970-01-01 was a Thursday
  c.yday = static_cast<int>(days - DaysFromCivil(c.year, 1, 1)) + 1;
  c.nsec = t.nsec;
  c.offset = ty.offset;
  c.abbr = ty.abbr;
  return c;
}

// `x` of time.date, time.clock, …: ns or [ns, "zone"]. "timestamp too big" beyond int64.
std::optional<Instant> InstantArg(const Json& x) {
  const Json* ns = &x;
  std::string zone;
  if (IsArray(x)) {
    if (x.size() != 2 || !x[1].is_string()) return std::nullopt;
    ns = &x[0];
    zone = x[1].get<std::string>();
  }
  if (IsBigInt(*ns)) {
    Fail("timestamp too big");
    return std::nullopt;
  }
  if (!ns->is_number()) return std::nullopt;
  int64_t v;
  if (ns->is_number_unsigned() && ns->get<uint64_t>() > INT64_MAX) {
    Fail("timestamp too big");
    return std::nullopt;
  }
  if (ns->is_number_integer()) {
    v = ns->get<int64_t>();
  } else {
    double d = ns->get<double>();
    if (!(d < 9223372036854775807.0 && d >= -9223372036854775808.0)) {
      Fail("timestamp too big");
      return std::nullopt;
    }
    v = static_cast<int64_t>(d);
  }
  const Zone* z = FindZone(zone);
  if (!z) {
    Fail("unknown time zone " + zone);
    return std::nullopt;
  }
  Instant t;
  t.sec = FloorDiv(v, kNs);
  t.nsec = v - t.sec * kNs;
  t.zone = z;
  return t;
}

// ns since the epoch, or an error when outside int64.
Opt NsOf(__int128 sec, int64_t nsec) {
  __int128 ns = sec * kNs + nsec;
  if (ns > INT64_MAX || ns < INT64_MIN) return Fail("time outside of valid range");
  return Json(static_cast<int64_t>(ns));
}

// ---- Go layouts ----
const std::map<std::string, std::string, std::less<>>& NamedLayouts() {
  static const auto* m = new std::map<std::string, std::string, std::less<>>{
      {"ANSIC", "Mon Jan _2 15:04:05 2006"},
      {"UnixDate", "Mon Jan _2 15:04:05 MST 2006"},
      {"RubyDate", "Mon Jan 02 15:04:05 -0700 2006"},
      {"RFC822", "02 Jan 06 15:04 MST"},
      {"RFC822Z", "02 Jan 06 15:04 -0700"},
      {"RFC850", "Monday, 02-Jan-06 15:04:05 MST"},
      {"RFC1123", "Mon, 02 Jan 2006 15:04:05 MST"},
      {"RFC1123Z", "Mon, 02 Jan 2006 15:04:05 -0700"},
      {"RFC3339", "2006-01-02T15:04:05Z07:00"},
      {"RFC3339Nano", "2006-01-02T15:04:05.999999999Z07:00"},
      {"Kitchen", "3:04PM"},
      {"Stamp", "Jan _2 15:04:05"},
      {"StampMilli", "Jan _2 15:04:05.000"},
      {"StampMicro", "Jan _2 15:04:05.000000"},
      {"StampNano", "Jan _2 15:04:05.000000000"},
      {"DateTime", "2006-01-02 15:04:05"},
      {"DateOnly", "2006-01-02"},
      {"TimeOnly", "15:04:05"},
  };
  return *m;
}

std::string LayoutNamed(const std::string& s) {
  auto it = NamedLayouts().find(s);
  return it == NamedLayouts().end() ? s : it->second;
}

enum class Std {
  kNone,
  kLongMonth,              // January
  kMonth,                  // Jan
  kNumMonth,               // 1
  kZeroMonth,              // 01
  kLongWeekDay,            // Monday
  kWeekDay,                // Mon
  kDay,                    // 2
  kUnderDay,               // _2
  kZeroDay,                // 02
  kUnderYearDay,           // __2
  kZeroYearDay,            // 002
  kHour,                   // 15
  kHour12,                 // 3
  kZeroHour12,             // 03
  kMinute,                 // 4
  kZeroMinute,             // 04
  kSecond,                 // 5
  kZeroSecond,             // 05
  kLongYear,               // 2006
  kYear,                   // 06
  kPM,                     // PM
  kpm,                     // pm
  kTZ,                     // MST
  kISO8601TZ,              // Z0700
  kISO8601SecondsTZ,       // Z070000
  kISO8601ShortTZ,         // Z07
  kISO8601ColonTZ,         // Z07:00
  kISO8601ColonSecondsTZ,  // Z07:00:00
  kNumTZ,                  // -0700
  kNumSecondsTz,           // -070000
  kNumShortTZ,             // -07
  kNumColonTZ,             // -07:00
  kNumColonSecondsTZ,      // -07:00:00
  kFracSecond0,            // .000…, digits fixed
  kFracSecond9,            // .999…, trailing zeros dropped
};

struct Chunk {
  std::string prefix;
  Std std = Std::kNone;
  int digits = 0;  // fractional seconds
  char sep = '.';
};

bool StartsLower(std::string_view s) { return !s.empty() && s[0] >= 'a' && s[0] <= 'z'; }

// Go's nextStdChunk: the literal text before the next layout element, and that element.
Chunk NextChunk(std::string_view& layout) {
  Chunk c;
  for (size_t i = 0; i < layout.size(); ++i) {
    std::string_view r = layout.substr(i);
    auto take = [&](Std s, size_t n) {
      c.prefix = std::string(layout.substr(0, i));
      c.std = s;
      layout = layout.substr(i + n);
      return c;
    };
    switch (r[0]) {
      case 'J':
        if (r.starts_with("January")) return take(Std::kLongMonth, 7);
        if (r.starts_with("Jan") && !StartsLower(r.substr(3))) return take(Std::kMonth, 3);
        break;
      case 'M':
        if (r.starts_with("Monday")) return take(Std::kLongWeekDay, 6);
        if (r.starts_with("Mon") && !StartsLower(r.substr(3))) return take(Std::kWeekDay, 3);
        if (r.starts_with("MST")) return take(Std::kTZ, 3);
        break;
      case '0':
        if (r.size() >= 2 && r[1] >= '1' && r[1] <= '6') {
          static const Std k[] = {Std::kZeroMonth,  Std::kZeroDay,    Std::kZeroHour12,
                                  Std::kZeroMinute, Std::kZeroSecond, Std::kYear};
          return take(k[r[1] - '1'], 2);
        }
        if (r.starts_with("002")) return take(Std::kZeroYearDay, 3);
        break;
      case '1':
        if (r.starts_with("15")) return take(Std::kHour, 2);
        return take(Std::kNumMonth, 1);
      case '2':
        if (r.starts_with("2006")) return take(Std::kLongYear, 4);
        return take(Std::kDay, 1);
      case '_':
        if (r.starts_with("_2")) {
          if (r.starts_with("_2006")) {  // "_" then the year
            c.prefix = std::string(layout.substr(0, i + 1));
            c.std = Std::kLongYear;
            layout = layout.substr(i + 5);
            return c;
          }
          return take(Std::kUnderDay, 2);
        }
        if (r.starts_with("__2")) return take(Std::kUnderYearDay, 3);
        break;
      case '3':
        return take(Std::kHour12, 1);
      case '4':
        return take(Std::kMinute, 1);
      case '5':
        return take(Std::kSecond, 1);
      case 'P':
        if (r.starts_with("PM")) return take(Std::kPM, 2);
        break;
      case 'p':
        if (r.starts_with("pm")) return take(Std::kpm, 2);
        break;
      case '-':
        if (r.starts_with("-07:00:00")) return take(Std::kNumColonSecondsTZ, 9);
        if (r.starts_with("-070000")) return take(Std::kNumSecondsTz, 7);
        if (r.starts_with("-07:00")) return take(Std::kNumColonTZ, 6);
        if (r.starts_with("-0700")) return take(Std::kNumTZ, 5);
        if (r.starts_with("-07")) return take(Std::kNumShortTZ, 3);
        break;
      case 'Z':
        if (r.starts_with("Z07:00:00")) return take(Std::kISO8601ColonSecondsTZ, 9);
        if (r.starts_with("Z070000")) return take(Std::kISO8601SecondsTZ, 7);
        if (r.starts_with("Z07:00")) return take(Std::kISO8601ColonTZ, 6);
        if (r.starts_with("Z0700")) return take(Std::kISO8601TZ, 5);
        if (r.starts_with("Z07")) return take(Std::kISO8601ShortTZ, 3);
        break;
      case '.':
      case ',':
        if (r.size() >= 2 && (r[1] == '0' || r[1] == '9')) {
          char ch = r[1];
          size_t j = 1;
          while (j < r.size() && r[j] == ch) ++j;
          if (j >= r.size() || !std::isdigit(static_cast<unsigned char>(r[j]))) {
            Chunk f = take(ch == '0' ? Std::kFracSecond0 : Std::kFracSecond9, j);
            f.digits = static_cast<int>(j - 1);
            f.sep = r[0];
            return f;
          }
        }
        break;
      default:
        break;
    }
  }
  c.prefix = std::string(layout);
  layout = {};
  return c;
}

const char* kLongDays[] = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                           "Thursday", "Friday", "Saturday"};
const char* kLongMonths[] = {"January", "February", "March",     "April",   "May",      "June",
                             "July",    "August",   "September", "October", "November", "December"};

std::string Pad(int64_t v, int width, char fill = '0') {
  std::string s = std::to_string(v < 0 ? -v : v);
  while (static_cast<int>(s.size()) < width) s.insert(s.begin(), fill);
  return v < 0 ? "-" + s : s;
}

std::string Format(const Instant& t, std::string_view layout) {
  Civil c = ToCivil(t);
  std::string out;
  while (!layout.empty()) {
    Chunk ch = NextChunk(layout);
    out += ch.prefix;
    int hour12 = c.hour % 12 == 0 ? 12 : c.hour % 12;
    int zone = c.offset / 60;  // minutes
    auto tz = [&](bool iso, bool colon, bool seconds, bool shorthand) {
      if (iso && c.offset == 0) {
        out += "Z";
        return;
      }
      int absz = zone < 0 ? -zone : zone;
      out += zone < 0 ? "-" : "+";
      out += Pad(absz / 60, 2);
      if (!shorthand) {
        if (colon) out += ":";
        out += Pad(absz % 60, 2);
      }
      if (seconds) {
        if (colon) out += ":";
        out += Pad((c.offset < 0 ? -c.offset : c.offset) % 60, 2);
      }
    };
    switch (ch.std) {
      case Std::kNone:
        break;
      case Std::kYear:
        out += Pad(((c.year % 100) + 100) % 100, 2);
        break;
      case Std::kLongYear:
        out += Pad(c.year, 4);
        break;
      case Std::kMonth:
        out += std::string(kLongMonths[c.month - 1]).substr(0, 3);
        break;
      case Std::kLongMonth:
        out += kLongMonths[c.month - 1];
        break;
      case Std::kNumMonth:
        out += std::to_string(c.month);
        break;
      case Std::kZeroMonth:
        out += Pad(c.month, 2);
        break;
      case Std::kWeekDay:
        out += std::string(kLongDays[c.weekday]).substr(0, 3);
        break;
      case Std::kLongWeekDay:
        out += kLongDays[c.weekday];
        break;
      case Std::kDay:
        out += std::to_string(c.day);
        break;
      case Std::kUnderDay:
        out += Pad(c.day, 2, ' ');
        break;
      case Std::kZeroDay:
        out += Pad(c.day, 2);
        break;
      case Std::kUnderYearDay:
        out += Pad(c.yday, 3, ' ');
        break;
      case Std::kZeroYearDay:
        out += Pad(c.yday, 3);
        break;
      case Std::kHour:
        out += Pad(c.hour, 2);
        break;
      case Std::kHour12:
        out += std::to_string(hour12);
        break;
      case Std::kZeroHour12:
        out += Pad(hour12, 2);
        break;
      case Std::kMinute:
        out += std::to_string(c.minute);
        break;
      case Std::kZeroMinute:
        out += Pad(c.minute, 2);
        break;
      case Std::kSecond:
        out += std::to_string(c.second);
        break;
      case Std::kZeroSecond:
        out += Pad(c.second, 2);
        break;
      case Std::kPM:
        out += c.hour >= 12 ? "PM" : "AM";
        break;
      case Std::kpm:
        out += c.hour >= 12 ? "pm" : "am";
        break;
      case Std::kTZ:
        if (!c.abbr.empty()) {
          out += c.abbr;
        } else {
          tz(false, false, false, false);
        }
        break;
      case Std::kISO8601TZ:
        tz(true, false, false, false);
        break;
      case Std::kISO8601SecondsTZ:
        tz(true, false, true, false);
        break;
      case Std::kISO8601ShortTZ:
        tz(true, false, false, true);
        break;
      case Std::kISO8601ColonTZ:
        tz(true, true, false, false);
        break;
      case Std::kISO8601ColonSecondsTZ:
        tz(true, true, true, false);
        break;
      case Std::kNumTZ:
        tz(false, false, false, false);
        break;
      case Std::kNumSecondsTz:
        tz(false, false, true, false);
        break;
      case Std::kNumShortTZ:
        tz(false, false, false, true);
        break;
      case Std::kNumColonTZ:
        tz(false, true, false, false);
        break;
      case Std::kNumColonSecondsTZ:
        tz(false, true, true, false);
        break;
      case Std::kFracSecond0:
      case Std::kFracSecond9: {
        std::string frac = Pad(c.nsec, 9).substr(0, ch.digits);
        if (ch.std == Std::kFracSecond9) {
          while (!frac.empty() && frac.back() == '0') frac.pop_back();
          if (frac.empty()) break;
        }
        out += ch.sep + frac;
        break;
      }
    }
  }
  return out;
}

// Go's time.Parse for the elements above. Returns nullopt with the builtin error set.
std::optional<Instant> Parse(std::string_view layout_in, std::string_view value) {
  std::string layout_s = LayoutNamed(std::string(layout_in));
  std::string_view layout = layout_s;
  const std::string orig(value);
  auto bad = [&](const std::string& why) -> std::optional<Instant> {
    Fail("parsing time " + Json(orig).dump() + ": " + why);
    return std::nullopt;
  };
  int64_t year = 1;
  int month = 1, day = 1, hour = 0, minute = 0, second = 0, yday = -1;
  int64_t nsec = 0;
  bool pm_set = false, pm = false, have_zone = false;
  int32_t zone_offset = 0;
  // Reads 1-2 digits (or exactly `fixed` digits).
  auto num = [&](int fixed, int64_t& out) -> bool {
    size_t n = 0;
    while (n < value.size() && std::isdigit(static_cast<unsigned char>(value[n])) &&
           (fixed == 0 ? n < 2 : static_cast<int>(n) < fixed)) {
      ++n;
    }
    if (n == 0 || (fixed && static_cast<int>(n) != fixed)) return false;
    out = std::stoll(std::string(value.substr(0, n)));
    value.remove_prefix(n);
    return true;
  };
  auto lookup = [&](const char* const* names, int count, bool abbrev, int& out) -> bool {
    for (int i = 0; i < count; ++i) {
      std::string n = names[i];
      if (abbrev) n = n.substr(0, 3);
      if (value.size() >= n.size()) {
        bool eq = true;
        for (size_t k = 0; k < n.size() && eq; ++k) {
          eq = std::tolower(static_cast<unsigned char>(value[k])) ==
               std::tolower(static_cast<unsigned char>(n[k]));
        }
        if (eq) {
          out = i;
          value.remove_prefix(n.size());
          return true;
        }
      }
    }
    return false;
  };
  auto frac = [&]() -> bool {  // after seconds: optional ".ddd" even if the layout has none
    if (value.size() >= 2 && (value[0] == '.' || value[0] == ',') &&
        std::isdigit(static_cast<unsigned char>(value[1])) &&
        !(layout.size() >= 2 && (layout[0] == '.' || layout[0] == ',') &&
          (layout[1] == '0' || layout[1] == '9'))) {
      size_t n = 1;
      while (n < value.size() && std::isdigit(static_cast<unsigned char>(value[n]))) ++n;
      std::string d(value.substr(1, n - 1));
      d = (d + "000000000").substr(0, 9);
      nsec = std::stoll(d);
      value.remove_prefix(n);
    }
    return true;
  };
  while (true) {
    Chunk ch = NextChunk(layout);
    // The literal prefix must match (Go skips spaces leniently; we match exactly).
    if (!value.starts_with(ch.prefix)) {
      return bad("cannot parse " + Json(std::string(value)).dump() + " as " +
                 Json(ch.prefix).dump());
    }
    value.remove_prefix(ch.prefix.size());
    if (ch.std == Std::kNone) {
      if (!value.empty()) return bad("extra text: " + Json(std::string(value)).dump());
      break;
    }
    int64_t v = 0;
    int idx = 0;
    bool ok = true;
    switch (ch.std) {
      case Std::kYear:
        ok = num(2, v);
        year = v >= 69 ? 1900 + v : 2000 + v;
        break;
      case Std::kLongYear: {
        size_t n = 0;
        while (n < value.size() && n < 4 && std::isdigit(static_cast<unsigned char>(value[n]))) ++n;
        ok = n == 4;
        if (ok) {
          year = std::stoll(std::string(value.substr(0, 4)));
          value.remove_prefix(4);
        }
        break;
      }
      case Std::kMonth:
        ok = lookup(kLongMonths, 12, true, idx);
        month = idx + 1;
        break;
      case Std::kLongMonth:
        ok = lookup(kLongMonths, 12, false, idx);
        month = idx + 1;
        break;
      case Std::kNumMonth:
      case Std::kZeroMonth:
        ok = num(ch.std == Std::kZeroMonth ? 2 : 0, v) && v >= 1 && v <= 12;
        month = static_cast<int>(v);
        break;
      case Std::kWeekDay:
        ok = lookup(kLongDays, 7, true, idx);
        break;
      case Std::kLongWeekDay:
        ok = lookup(kLongDays, 7, false, idx);
        break;
      case Std::kDay:
      case Std::kUnderDay:
      case Std::kZeroDay:
        if (ch.std == Std::kUnderDay && !value.empty() && value[0] == ' ') value.remove_prefix(1);
        ok = num(ch.std == Std::kZeroDay ? 2 : 0, v);
        day = static_cast<int>(v);
        break;
      case Std::kUnderYearDay:
      case Std::kZeroYearDay:
        while (ch.std == Std::kUnderYearDay && !value.empty() && value[0] == ' ') {
          value.remove_prefix(1);
        }
        ok = num(3, v);
        yday = static_cast<int>(v);
        break;
      case Std::kHour:
        ok = num(0, v) && v < 24;
        hour = static_cast<int>(v);
        break;
      case Std::kHour12:
      case Std::kZeroHour12:
        ok = num(ch.std == Std::kZeroHour12 ? 2 : 0, v) && v <= 12;
        hour = static_cast<int>(v);
        break;
      case Std::kMinute:
      case Std::kZeroMinute:
        ok = num(ch.std == Std::kZeroMinute ? 2 : 0, v) && v < 60;
        minute = static_cast<int>(v);
        break;
      case Std::kSecond:
      case Std::kZeroSecond:
        ok = num(ch.std == Std::kZeroSecond ? 2 : 0, v) && v < 60;
        second = static_cast<int>(v);
        if (ok) frac();
        break;
      case Std::kPM:
      case Std::kpm:
        if (value.size() >= 2) {
          std::string p(value.substr(0, 2));
          for (char& x : p) x = static_cast<char>(std::toupper(static_cast<unsigned char>(x)));
          ok = p == "AM" || p == "PM";
          pm = p == "PM";
          pm_set = ok;
          value.remove_prefix(2);
        } else {
          ok = false;
        }
        break;
      case Std::kTZ: {  // an abbreviation: UTC/GMT or letters (offset unknown: taken as UTC)
        size_t n = 0;
        while (n < value.size() && std::isupper(static_cast<unsigned char>(value[n]))) ++n;
        ok = n >= 3;
        if (ok) {
          have_zone = true;
          value.remove_prefix(n);
        }
        break;
      }
      case Std::kISO8601TZ:
      case Std::kISO8601SecondsTZ:
      case Std::kISO8601ShortTZ:
      case Std::kISO8601ColonTZ:
      case Std::kISO8601ColonSecondsTZ:
      case Std::kNumTZ:
      case Std::kNumSecondsTz:
      case Std::kNumShortTZ:
      case Std::kNumColonTZ:
      case Std::kNumColonSecondsTZ: {
        bool iso = ch.std >= Std::kISO8601TZ && ch.std <= Std::kISO8601ColonSecondsTZ;
        if (iso && !value.empty() && value[0] == 'Z') {
          value.remove_prefix(1);
          have_zone = true;
          zone_offset = 0;
          break;
        }
        bool colon = ch.std == Std::kISO8601ColonTZ || ch.std == Std::kISO8601ColonSecondsTZ ||
                     ch.std == Std::kNumColonTZ || ch.std == Std::kNumColonSecondsTZ;
        bool seconds = ch.std == Std::kISO8601SecondsTZ || ch.std == Std::kISO8601ColonSecondsTZ ||
                       ch.std == Std::kNumSecondsTz || ch.std == Std::kNumColonSecondsTZ;
        bool shorthand = ch.std == Std::kISO8601ShortTZ || ch.std == Std::kNumShortTZ;
        if (value.empty() || (value[0] != '+' && value[0] != '-')) {
          ok = false;
          break;
        }
        int sign = value[0] == '-' ? -1 : 1;
        value.remove_prefix(1);
        int64_t hh = 0, mm = 0, ss = 0;
        ok = num(2, hh);
        if (ok && !shorthand) {
          if (colon) ok = !value.empty() && value[0] == ':' && (value.remove_prefix(1), true);
          ok = ok && num(2, mm);
        }
        if (ok && seconds) {
          if (colon) ok = !value.empty() && value[0] == ':' && (value.remove_prefix(1), true);
          ok = ok && num(2, ss);
        }
        have_zone = true;
        zone_offset = static_cast<int32_t>(sign * (hh * 3600 + mm * 60 + ss));
        break;
      }
      case Std::kFracSecond0:
      case Std::kFracSecond9: {
        if (value.empty() || (value[0] != '.' && value[0] != ',')) {
          ok = ch.std == Std::kFracSecond9;  // .999: the fraction may be absent
          break;
        }
        size_t n = 1;
        while (n < value.size() && std::isdigit(static_cast<unsigned char>(value[n]))) ++n;
        if (ch.std == Std::kFracSecond0 && static_cast<int>(n - 1) != ch.digits) {
          ok = false;
          break;
        }
        std::string d(value.substr(1, n - 1));
        d = (d + "000000000").substr(0, 9);
        nsec = std::stoll(d);
        value.remove_prefix(n);
        break;
      }
      case Std::kNone:
        break;
    }
    if (!ok) return bad("cannot parse " + Json(std::string(value)).dump());
  }
  if (pm_set) {
    if (hour > 12) return bad("hour out of range");
    if (pm && hour < 12) hour += 12;
    if (!pm && hour == 12) hour = 0;
  }
  if (yday >= 0) {
    if (yday < 1 || yday > (IsLeap(year) ? 366 : 365)) return bad("day-of-year out of range");
    int64_t days = DaysFromCivil(year, 1, 1) + yday - 1;
    int64_t y;
    unsigned m, d;
    CivilFromDays(days, y, m, d);
    month = static_cast<int>(m);
    day = static_cast<int>(d);
  }
  if (day < 1 || day > DaysIn(year, month)) return bad("day out of range");
  Instant t;
  __int128 secs = static_cast<__int128>(DaysFromCivil(year, month, day)) * 86400 + hour * 3600 +
                  minute * 60 + second - (have_zone ? zone_offset : 0);
  if (secs > INT64_MAX / 2 || secs < INT64_MIN / 2) {
    Fail("time outside of valid range");
    return std::nullopt;
  }
  t.sec = static_cast<int64_t>(secs);
  t.nsec = nsec;
  t.zone = FindZone("UTC");
  return t;
}

// ---- the builtins ----
Opt ParseNs(const Args& a) {
  if (!a[0].is_string() || !a[1].is_string()) return std::nullopt;
  auto t = Parse(a[0].get<std::string>(), a[1].get<std::string>());
  if (!t) return std::nullopt;
  return NsOf(t->sec, t->nsec);
}

Opt ParseRfc3339Ns(const Args& a) {
  if (!a[0].is_string()) return std::nullopt;
  auto t = Parse("2006-01-02T15:04:05Z07:00", a[0].get<std::string>());
  if (!t) return std::nullopt;
  return NsOf(t->sec, t->nsec);
}

Opt FormatTime(const Args& a) {
  const Json& x = a[0];
  std::string layout = "2006-01-02T15:04:05.999999999Z07:00";
  Json inst = x;
  if (IsArray(x)) {
    if (x.size() < 2 || x.size() > 3 || !x[1].is_string()) return std::nullopt;
    inst = Json::array({x[0], x[1]});
    if (x.size() == 3) {
      if (!x[2].is_string()) return std::nullopt;
      layout = LayoutNamed(x[2].get<std::string>());
    }
  }
  auto t = InstantArg(inst);
  if (!t) return std::nullopt;
  return Json(Format(*t, layout));
}

Opt Date(const Args& a) {
  auto t = InstantArg(a[0]);
  if (!t) return std::nullopt;
  Civil c = ToCivil(*t);
  return Json::array({c.year, c.month, c.day});
}

Opt Clock(const Args& a) {
  auto t = InstantArg(a[0]);
  if (!t) return std::nullopt;
  Civil c = ToCivil(*t);
  return Json::array({c.hour, c.minute, c.second});
}

Opt Weekday(const Args& a) {
  auto t = InstantArg(a[0]);
  if (!t) return std::nullopt;
  return Json(kLongDays[ToCivil(*t).weekday]);
}

// time.add_date(ns, years, months, days), normalising like Go's time.Date (in UTC).
Opt AddDate(const Args& a) {
  for (const Json& v : a) {
    if (!v.is_number_integer()) return std::nullopt;
  }
  auto t = InstantArg(a[0]);
  if (!t) return std::nullopt;
  Civil c = ToCivil(*t);
  int64_t months = c.month - 1 + a[2].get<int64_t>();
  __int128 y = static_cast<__int128>(c.year) + a[1].get<int64_t>() + FloorDiv(months, 12);
  months -= FloorDiv(months, 12) * 12;
  if (y > 1000000000 || y < -1000000000) return Fail("time outside of valid range");
  __int128 days = static_cast<__int128>(DaysFromCivil(static_cast<int64_t>(y),
                                                      static_cast<unsigned>(months + 1), 1)) +
                  c.day - 1 + a[3].get<int64_t>();
  __int128 secs = days * 86400 + c.hour * 3600 + c.minute * 60 + c.second;
  if (secs > INT64_MAX / kNs + 1 || secs < INT64_MIN / kNs - 1) {
    return Fail("time outside of valid range");
  }
  return NsOf(secs, c.nsec);
}

// time.diff(a, b): [years, months, days, hours, minutes, seconds] between two instants, shown
// in the first one's zone (OPA's algorithm).
Opt Diff(const Args& a) {
  auto t1 = InstantArg(a[0]);
  if (!t1) return std::nullopt;
  auto t2 = InstantArg(a[1]);
  if (!t2) return std::nullopt;
  t2->zone = t1->zone;
  if (t1->sec > t2->sec || (t1->sec == t2->sec && t1->nsec > t2->nsec)) std::swap(t1, t2);
  Civil c1 = ToCivil(*t1), c2 = ToCivil(*t2);
  int64_t year = c2.year - c1.year;
  int64_t month = c2.month - c1.month, day = c2.day - c1.day, hour = c2.hour - c1.hour;
  int64_t min = c2.minute - c1.minute, sec = c2.second - c1.second;
  if (sec < 0) {
    sec += 60;
    --min;
  }
  if (min < 0) {
    min += 60;
    --hour;
  }
  if (hour < 0) {
    hour += 24;
    --day;
  }
  if (day < 0) {  // days in c1's month
    day += DaysIn(c1.year, c1.month);
    --month;
  }
  if (month < 0) {
    month += 12;
    --year;
  }
  return Json::array({year, month, day, hour, min, sec});
}

}  // namespace

const std::vector<std::pair<std::string, Builtin>>& TimeBuiltins() {
  static const auto* t = new std::vector<std::pair<std::string, Builtin>>{
      {"time.parse_ns", {2, ParseNs}},  {"time.parse_rfc3339_ns", {1, ParseRfc3339Ns}},
      {"time.format", {1, FormatTime}}, {"time.date", {1, Date}},
      {"time.clock", {1, Clock}},       {"time.weekday", {1, Weekday}},
      {"time.add_date", {4, AddDate}},  {"time.diff", {2, Diff}},
  };
  return *t;
}

}  // namespace cocoon::policy::rego
