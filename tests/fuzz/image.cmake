# Image decoding + PDQ hashing over untrusted bytes (match/image_decode, match/pdq).
lw_fuzz_target(image SOURCE ${CMAKE_CURRENT_SOURCE_DIR}/image_fuzz.cc LIBS lw_match)
