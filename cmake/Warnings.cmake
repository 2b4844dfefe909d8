# Project-wide compile options: strict warnings (errors with LW_WERROR) and sanitizers.
# Third-party headers are included as SYSTEM so their warnings never fail our build.
set(LW_WARNINGS
    -Wall -Wextra -Wpedantic -Wconversion -Wsign-conversion -Wshadow
    -Wnon-virtual-dtor -Wold-style-cast -Woverloaded-virtual)
if(LW_WERROR)
  list(APPEND LW_WARNINGS -Werror)
endif()

add_library(lw_options INTERFACE)
target_compile_options(lw_options INTERFACE ${LW_WARNINGS})
target_include_directories(lw_options INTERFACE ${CMAKE_SOURCE_DIR})

if(CMAKE_BUILD_TYPE STREQUAL "Release")
  add_compile_options(-O2)
endif()

if(LW_FUZZ)
  # Instrument every library for coverage so libFuzzer sees inside the modules, not
  # only the fuzz entry point; fuzz executables add -fsanitize=fuzzer to link.
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined)
  add_link_options(-fsanitize=address,undefined)
elseif(LW_TSAN)
  add_compile_options(-fsanitize=thread -fno-omit-frame-pointer)
  add_link_options(-fsanitize=thread)
elseif(LW_SANITIZE AND CMAKE_BUILD_TYPE STREQUAL "Debug")
  add_compile_options(-fsanitize=address,undefined -fno-sanitize-recover=all
                      -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined -fno-sanitize-recover=all)
endif()

# lw_module(NAME SOURCES... DEPENDS lw_x... PRIVATE_LIBS third-party...)
# Declares the static library lw_NAME for one module folder. Module-to-module edges
# are PUBLIC (a module's headers may name a lower module's types); third-party
# libraries are PRIVATE so their types never appear in another module's headers.
function(lw_module name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPENDS;PRIVATE_LIBS" ${ARGN})
  add_library(lw_${name} STATIC ${ARG_SOURCES})
  target_link_libraries(lw_${name} PUBLIC lw_options ${ARG_DEPENDS} PRIVATE ${ARG_PRIVATE_LIBS})
endfunction()

# lw_module_glob(NAME DEPENDS ... PRIVATE_LIBS ...)
# As lw_module, with the sources being every .cc under the module folder, so that
# work on different files of one module never edits a shared list.
function(lw_module_glob name)
  cmake_parse_arguments(ARG "" "" "DEPENDS;PRIVATE_LIBS" ${ARGN})
  file(GLOB_RECURSE sources CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*.cc)
  list(FILTER sources EXCLUDE REGEX "/main\\.cc$")
  lw_module(${name} SOURCES ${sources} DEPENDS ${ARG_DEPENDS} PRIVATE_LIBS ${ARG_PRIVATE_LIBS})
endfunction()
