// Rego lexer (see lexer.h).
#include "policy/rego/lexer.h"

#include <cctype>

namespace cocoon::policy::rego {
namespace {

class Lexer {
 public:
  Lexer(std::string_view file, std::string_view src) : file_(file), src_(src) {}

  Result<std::vector<Token>> Run() {
    std::vector<Token> out;
    bool nl = false;
    while (true) {
      nl = SkipSpace() || nl;
      Token t;
      t.pos = {line_, col_};
      t.nl_before = nl;
      nl = false;
      if (i_ >= src_.size()) {
        t.kind = Tok::kEof;
        out.push_back(std::move(t));
        return out;
      }
      char c = src_[i_];
      if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
        t.kind = Tok::kIdent;
        while (i_ < src_.size() &&
               (std::isalnum(static_cast<unsigned char>(src_[i_])) || src_[i_] == '_')) {
          t.text.push_back(Next());
        }
      } else if (std::isdigit(static_cast<unsigned char>(c))) {
        t.kind = Tok::kNumber;
        TRY(Number(t));
      } else if (c == '"') {
        t.kind = Tok::kString;
        TRY(String(t));
      } else if (c == '`') {
        t.kind = Tok::kString;
        Next();
        while (i_ < src_.size() && src_[i_] != '`') t.text.push_back(Next());
        if (i_ >= src_.size()) return Fail(t.pos, "unterminated raw string");
        Next();
      } else {
        t.kind = Tok::kPunct;
        static constexpr std::string_view kTwo[] = {":=", "==", "!=", "<=", ">="};
        bool two = false;
        for (auto p : kTwo) {
          if (src_.substr(i_, 2) == p) {
            t.text = std::string(p);
            Next();
            Next();
            two = true;
            break;
          }
        }
        if (!two) {
          if (std::string_view("{}[]().,;:=<>+-*/%|&").find(c) == std::string_view::npos) {
            return Fail(t.pos, "unexpected character '" + std::string(1, c) + "'");
          }
          t.text = std::string(1, Next());
        }
      }
      out.push_back(std::move(t));
    }
  }

 private:
  char Next() {
    char c = src_[i_++];
    if (c == '\n') {
      ++line_;
      col_ = 1;
    } else {
      ++col_;
    }
    return c;
  }

  // Skips blanks and comments; true if a newline was crossed.
  bool SkipSpace() {
    bool nl = false;
    while (i_ < src_.size()) {
      char c = src_[i_];
      if (c == '\n') {
        nl = true;
        Next();
      } else if (c == ' ' || c == '\t' || c == '\r') {
        Next();
      } else if (c == '#') {
        while (i_ < src_.size() && src_[i_] != '\n') Next();
      } else {
        break;
      }
    }
    return nl;
  }

  std::unexpected<Error> Fail(Pos p, const std::string& msg) const {
    return InvalidArgument(std::string(file_) + ":" + std::to_string(p.line) + ":" +
                           std::to_string(p.col) + ": rego_parse_error: " + msg);
  }

  bool Digit() const {
    return i_ < src_.size() && std::isdigit(static_cast<unsigned char>(src_[i_]));
  }

  Status Number(Token& t) {
    while (Digit()) t.text.push_back(Next());
    if (i_ + 1 < src_.size() && src_[i_] == '.' &&
        std::isdigit(static_cast<unsigned char>(src_[i_ + 1]))) {
      t.text.push_back(Next());
      while (Digit()) t.text.push_back(Next());
    }
    if (i_ < src_.size() && (src_[i_] == 'e' || src_[i_] == 'E')) {
      t.text.push_back(Next());
      if (i_ < src_.size() && (src_[i_] == '+' || src_[i_] == '-')) t.text.push_back(Next());
      if (!Digit()) return Fail(t.pos, "malformed number");
      while (Digit()) t.text.push_back(Next());
    }
    return Ok();
  }

  Status String(Token& t) {
    Next();
    while (true) {
      if (i_ >= src_.size() || src_[i_] == '\n') return Fail(t.pos, "unterminated string");
      char c = Next();
      if (c == '"') return Ok();
      if (c != '\\') {
        t.text.push_back(c);
        continue;
      }
      if (i_ >= src_.size()) return Fail(t.pos, "unterminated string");
      char e = Next();
      switch (e) {
        case '"':
          t.text.push_back('"');
          break;
        case '\\':
          t.text.push_back('\\');
          break;
        case '/':
          t.text.push_back('/');
          break;
        case 'b':
          t.text.push_back('\b');
          break;
        case 'f':
          t.text.push_back('\f');
          break;
        case 'n':
          t.text.push_back('\n');
          break;
        case 'r':
          t.text.push_back('\r');
          break;
        case 't':
          t.text.push_back('\t');
          break;
        case 'u':
          TRY(Unicode(t));
          break;
        default:
          return Fail(t.pos, "invalid escape in string");
      }
    }
  }

  Status Unicode(Token& t) {
    if (i_ + 4 > src_.size()) return Fail(t.pos, "invalid \\u escape");
    uint32_t cp = 0;
    for (int k = 0; k < 4; ++k) {
      char h = Next();
      if (!std::isxdigit(static_cast<unsigned char>(h))) return Fail(t.pos, "invalid \\u escape");
      cp = cp * 16 +
           (std::isdigit(static_cast<unsigned char>(h)) ? h - '0' : (std::tolower(h) - 'a' + 10));
    }
    if (cp < 0x80) {
      t.text.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
      t.text.push_back(static_cast<char>(0xC0 | (cp >> 6)));
      t.text.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
      t.text.push_back(static_cast<char>(0xE0 | (cp >> 12)));
      t.text.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      t.text.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
    return Ok();
  }

  std::string_view file_;
  std::string_view src_;
  size_t i_ = 0;
  int line_ = 1;
  int col_ = 1;
};

}  // namespace

Result<std::vector<Token>> Lex(std::string_view file, std::string_view src) {
  return Lexer(file, src).Run();
}

}  // namespace cocoon::policy::rego
