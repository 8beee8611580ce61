# stats: ICU for the Unicode Script property (utf8proc has none), and the fixture renderer that
# the HTML end-to-end test opens in headless Chromium.
pkg_check_modules(ICU_UC REQUIRED IMPORTED_TARGET icu-uc)
target_link_libraries(tuneprep PUBLIC PkgConfig::ICU_UC)

add_executable(stats_render_fixture tests/stats_render_fixture.cpp)
target_link_libraries(stats_render_fixture PRIVATE tuneprep)
target_include_directories(stats_render_fixture PRIVATE tests)

