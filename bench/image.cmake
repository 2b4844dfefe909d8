# Perceptual image matching benches (match/image_*, match/pdq*); figures and the
# commands that produced them are in bench/README.md.
set(lw_image_bench_support ${CMAKE_SOURCE_DIR}/tests/unit/match/image/test_images.cc)
foreach(bench image_throughput image_query image_recall)
  add_executable(bench_${bench} ${CMAKE_CURRENT_SOURCE_DIR}/${bench}.cc
                 ${lw_image_bench_support})
  target_link_libraries(bench_${bench} PRIVATE lw_options lw_match lw::turbojpeg lw::png
                        lw::webp)
endforeach()
