// match/normalize: per-field-type normalisation of record values.
//
// The builder (on the dataset owner's exports) and the matcher (on candidate strings
// found in crawled text) normalise with the same functions, so "ab-123 cd" in a paste
// meets "AB123CD" in the export. Normalised forms never contain a 0x00 byte.
//
// Thread safety: pure functions, any thread.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/status.h"

namespace leakwatch::match {

enum class FieldType {
  kGeneric,   // Unicode case fold, whitespace collapsed, trimmed
  kPlate,     // uppercase ASCII alphanumerics only ("ab-12 3.c" -> "AB123C")
  kDateTime,  // canonical ISO 8601: YYYY-MM-DD, or YYYY-MM-DDTHH:MM[:SS]; else generic
  kName,      // case folded (Latin-1, Latin Extended-A, Greek, Cyrillic), punctuation
              // dropped or turned into spaces, whitespace collapsed
  kDocument,  // uppercase ASCII alphanumerics only (passport, ID card numbers)
};

// Stable lowercase names used in `col:type` specs and the pack header.
std::string_view FieldTypeName(FieldType type);
std::optional<FieldType> ParseFieldType(std::string_view name);

// Guesses a type from a column name ("plate_number" -> kPlate, "captured_at" ->
// kDateTime, "traveler_name" -> kName, "passport_no" -> kDocument, else kGeneric).
FieldType InferFieldType(std::string_view column_name);

struct ColumnSpec {
  std::string column;
  FieldType type = FieldType::kGeneric;
};

// Parses "plate,document_no:document,captured_at" (a type after ':' overrides the
// inferred one). Errors: InvalidArgument for an empty name or an unknown type.
Result<std::vector<ColumnSpec>> ParseColumnSpecs(std::string_view list);

// Corroborating values shorter than this once normalised ("3", "B2") would confirm
// almost any identifier they sit next to; they are not fingerprinted as pairs.
inline constexpr size_t kMinPairValueBytes = 3;

// Normalises `value` as `type` into `out` (cleared first). Returns false when nothing
// meaningful remains (the value must then not be fingerprinted).
bool NormalizeField(FieldType type, std::string_view value, std::string& out);
// Convenience form; empty when nothing remains.
std::string NormalizeField(FieldType type, std::string_view value);

}  // namespace leakwatch::match
