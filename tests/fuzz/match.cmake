# Fuzz targets of match/: the pack reader, archive expansion, text record extraction,
# and the line tokenizer (vector path against the scalar reference).
lw_fuzz_target(pack SOURCE ${CMAKE_CURRENT_SOURCE_DIR}/pack_fuzz.cc LIBS lw_match)
lw_fuzz_target(archive SOURCE ${CMAKE_CURRENT_SOURCE_DIR}/archive_fuzz.cc LIBS lw_match)
lw_fuzz_target(records SOURCE ${CMAKE_CURRENT_SOURCE_DIR}/records_fuzz.cc LIBS lw_match)
lw_fuzz_target(tokenizer SOURCE ${CMAKE_CURRENT_SOURCE_DIR}/tokenizer_fuzz.cc LIBS lw_match)
