// Fuzzes text record extraction: arbitrary text through the TextRecordScanner over a
// small index that knows a few records (two sharing a plate), fed in uneven pieces,
// and checks the dense-text shortcuts against the full search of every window
// (TextScanParams::reference_pairs_for_testing): a difference traps.
#include <cstdint>
#include <string>
#include <vector>

#include "match/internal/text_records.h"
#include "match/key.h"
#include "match/normalize.h"

namespace {

using namespace leakwatch::match;

struct Index {
  DatasetKey key = std::move(*DatasetKey::FromBytes(std::string(32, '\x02')));
  detail::HashIndex<detail::RecordEntry> singles, pairs;
  Index() {
    std::vector<detail::RecordEntry> s, p;
    const char* plates[] = {"AB-123-CD", "XK1234567", "ZZ-999-ZZ", "AB-123-CD"};
    const char* names[] = {"Jean-Luc O'Brien", "José Müller", "Ødegård", "Ann Lee"};
    for (uint32_t i = 0; i < 4; ++i) {
      const std::string id = NormalizeField(FieldType::kPlate, plates[i]);
      s.push_back({key.HashSingle(id), i + 1});
      p.push_back({key.HashPair(id, NormalizeField(FieldType::kName, names[i])), i + 1});
      p.push_back(
          {key.HashPair(id, NormalizeField(FieldType::kDateTime, "2024-03-01 12:34:56")), i + 1});
    }
    singles.Build(std::move(s), 10);
    pairs.Build(std::move(p), 8);
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Index index;
  detail::RecordIndexes idx;
  idx.key = &index.key;
  idx.singles = &index.singles;
  idx.pairs = &index.pairs;
  idx.identifier_types = {FieldType::kPlate, FieldType::kDocument, FieldType::kDateTime};
  idx.corroborating_types = {FieldType::kName, FieldType::kDateTime, FieldType::kGeneric};
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  detail::TextScanResult results[2];
  for (const bool reference : {false, true}) {
    detail::TextScanParams params;
    params.reference_pairs_for_testing = reference;
    detail::TextRecordScanner scanner(idx, params);
    size_t piece = 1;
    for (size_t i = 0; i < text.size(); i += piece, piece = piece * 3 % 1031 + 1) {
      scanner.Feed(text.substr(i, piece));
    }
    results[reference ? 1 : 0] = scanner.Finish();
  }
  if (results[0].corroborated_records != results[1].corroborated_records ||
      results[0].distinct_single_values != results[1].distinct_single_values) {
    __builtin_trap();
  }
  return 0;
}
