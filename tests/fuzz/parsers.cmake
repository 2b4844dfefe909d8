# Fuzz targets for the parsers module (HTML extraction and the selector language).
lw_fuzz_target(selector SOURCE ${CMAKE_CURRENT_SOURCE_DIR}/selector_fuzz.cc LIBS lw_parsers lw::gumbo)
lw_fuzz_target(extract SOURCE ${CMAKE_CURRENT_SOURCE_DIR}/extract_fuzz.cc LIBS lw_parsers)
lw_fuzz_target(file_tree SOURCE ${CMAKE_CURRENT_SOURCE_DIR}/file_tree_fuzz.cc LIBS lw_parsers)
