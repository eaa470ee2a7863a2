// AttesterTable, VerifierTable and the unavailable attester (see registry.h).
#include "tee/registry.h"

#include <algorithm>

namespace cocoon::tee {
namespace {

template <typename F>
void Put(std::vector<F>& factories, F factory) {
  for (F& f : factories) {
    if (f.name == factory.name) {
      f = std::move(factory);
      return;
    }
  }
  factories.push_back(std::move(factory));
}

template <typename F>
std::vector<std::string> SortedNames(const std::vector<F>& factories) {
  std::vector<std::string> names;
  for (const F& f : factories) names.push_back(f.name);
  std::sort(names.begin(), names.end());
  return names;
}

class UnavailableAttester : public Attester {
 public:
  UnavailableAttester(std::string tee, Error e) : tee_(std::move(tee)), error_(std::move(e)) {}
  std::string_view tee() const override { return tee_; }
  Result<Json> GetEvidence(ByteSpan) override { return std::unexpected(error_); }

 private:
  std::string tee_;
  Error error_;
};

}  // namespace

void AttesterTable::Register(AttesterFactory factory) { Put(factories_, std::move(factory)); }

std::string AttesterTable::Detect(std::string_view fallback) const {
  for (const AttesterFactory& f : factories_) {
    if (f.detect && f.detect()) return f.name;
  }
  return std::string(fallback);
}

std::vector<std::string> AttesterTable::Names() const { return SortedNames(factories_); }

Result<std::unique_ptr<Attester>> AttesterTable::Create(std::string_view name,
                                                        const AttesterOptions& options) const {
  for (const AttesterFactory& f : factories_) {
    if (f.name == name) return f.create(options);
  }
  std::string known;
  for (const std::string& n : Names()) known += (known.empty() ? "" : ", ") + n;
  return NotFound("no attester for TEE \"" + std::string(name) + "\" (registered: " +
                  (known.empty() ? "none" : known) + ")");
}

std::unique_ptr<Attester> NewUnavailableAttester(std::string tee, Error error) {
  return std::make_unique<UnavailableAttester>(std::move(tee), std::move(error));
}

void VerifierTable::Register(VerifierFactory factory) { Put(factories_, std::move(factory)); }

const VerifierFactory* VerifierTable::Find(std::string_view name) const {
  for (const VerifierFactory& f : factories_) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

std::vector<std::string> VerifierTable::Names() const { return SortedNames(factories_); }

}  // namespace cocoon::tee
