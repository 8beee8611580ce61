# Installing tuneprep: `cmake --install build --prefix P` puts the binary, its man pages and shell
# completions, the static libraries with their public headers and a CMake package config
# (find_package(tuneprep)) under P. The Debian package (scripts/package, CPack) holds the
# "runtime" component only: the tool, its pages, completions and samples.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

# Man pages and completions, generated at build time by the binary from the CLI11 tree that parses
# its command line, so they list every command and option that --help does.
set(TUNEPREP_MAN_DIR "${CMAKE_CURRENT_BINARY_DIR}/man")
set(TUNEPREP_COMPLETION_DIR "${CMAKE_CURRENT_BINARY_DIR}/completions")
set(_tp_completions
  "${TUNEPREP_COMPLETION_DIR}/tuneprep" "${TUNEPREP_COMPLETION_DIR}/_tuneprep" "${TUNEPREP_COMPLETION_DIR}/tuneprep.fish")
# A sanitizer build generates them too; a leak report there belongs to the tests, not the build.
set(_tp_run)
if(TUNEPREP_SANITIZE)
  set(_tp_run ${CMAKE_COMMAND} -E env ASAN_OPTIONS=detect_leaks=0)
endif()
add_custom_command(
  OUTPUT "${TUNEPREP_MAN_DIR}/tuneprep.1" ${_tp_completions}
  COMMAND ${CMAKE_COMMAND} -E rm -rf "${TUNEPREP_MAN_DIR}"  # no page of a command that is gone
  COMMAND ${CMAKE_COMMAND} -E make_directory "${TUNEPREP_MAN_DIR}" "${TUNEPREP_COMPLETION_DIR}"
  COMMAND ${_tp_run} $<TARGET_FILE:tuneprep_cli> manpage --out-dir "${TUNEPREP_MAN_DIR}"
  COMMAND ${_tp_run} $<TARGET_FILE:tuneprep_cli> completions bash -o "${TUNEPREP_COMPLETION_DIR}/tuneprep"
  COMMAND ${_tp_run} $<TARGET_FILE:tuneprep_cli> completions zsh -o "${TUNEPREP_COMPLETION_DIR}/_tuneprep"
  COMMAND ${_tp_run} $<TARGET_FILE:tuneprep_cli> completions fish -o "${TUNEPREP_COMPLETION_DIR}/tuneprep.fish"
  DEPENDS tuneprep_cli
  COMMENT "Generating man pages and shell completions from the command-line definitions"
  VERBATIM)
add_custom_target(tuneprep_docs ALL DEPENDS "${TUNEPREP_MAN_DIR}/tuneprep.1" ${_tp_completions})

# --- the tool (component runtime) ---
install(TARGETS tuneprep_cli RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT runtime)
install(DIRECTORY "${TUNEPREP_MAN_DIR}/" DESTINATION ${CMAKE_INSTALL_MANDIR}/man1 COMPONENT runtime
  FILES_MATCHING PATTERN "*.1")
install(FILES "${TUNEPREP_COMPLETION_DIR}/tuneprep"
  DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions COMPONENT runtime)
install(FILES "${TUNEPREP_COMPLETION_DIR}/_tuneprep"
  DESTINATION ${CMAKE_INSTALL_DATADIR}/zsh/site-functions COMPONENT runtime)
install(FILES "${TUNEPREP_COMPLETION_DIR}/tuneprep.fish"
  DESTINATION ${CMAKE_INSTALL_DATADIR}/fish/vendor_completions.d COMPONENT runtime)
install(FILES README.md DESTINATION ${CMAKE_INSTALL_DOCDIR} COMPONENT runtime)
install(DIRECTORY samples/ DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples COMPONENT runtime)

# --- the libraries (component development) ---
set_target_properties(tuneprep_backend PROPERTIES EXPORT_NAME backend)
install(TARGETS tuneprep tuneprep_backend EXPORT tuneprepTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT development)
install(DIRECTORY include/tuneprep DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} COMPONENT development)
set(_tp_cmake_dir ${CMAKE_INSTALL_LIBDIR}/cmake/tuneprep)
install(EXPORT tuneprepTargets NAMESPACE tuneprep:: DESTINATION ${_tp_cmake_dir} COMPONENT development)
configure_package_config_file(packaging/tuneprepConfig.cmake.in
  "${CMAKE_CURRENT_BINARY_DIR}/tuneprepConfig.cmake" INSTALL_DESTINATION ${_tp_cmake_dir})
# 0.x: a minor version may break the API.
write_basic_package_version_file("${CMAKE_CURRENT_BINARY_DIR}/tuneprepConfigVersion.cmake"
  COMPATIBILITY SameMinorVersion)
install(FILES "${CMAKE_CURRENT_BINARY_DIR}/tuneprepConfig.cmake" "${CMAKE_CURRENT_BINARY_DIR}/tuneprepConfigVersion.cmake"
  DESTINATION ${_tp_cmake_dir} COMPONENT development)

# --- the Debian package ---
# cpack builds nothing itself (scripts/package builds the binary and the pages first): without this,
# its preinstall step would build `all`, tests and benchmarks included.
set(CMAKE_SKIP_INSTALL_ALL_DEPENDENCY ON)
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME tuneprep)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
  "clean, deduplicate, split and validate fine-tuning datasets for large language models")
set(CPACK_PACKAGE_DESCRIPTION
  "tuneprep turns raw conversation data (OpenAI chat, prompt/completion, Alpaca, ShareGPT,\n preference pairs; JSONL, JSON arrays, CSV) into clean, upload-ready fine-tuning datasets:\n it rejects bad records with a reason, removes duplicates, splits without leakage and\n counts tokens exactly.")
set(CPACK_PACKAGE_CONTACT "tuneprep maintainers" CACHE STRING "Maintainer field of the Debian package")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
# One package of the runtime component; the libraries' users build from source (cmake --install).
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL runtime)
set(CPACK_COMPONENTS_GROUPING ALL_COMPONENTS_IN_ONE)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # tuneprep_<version>_<arch>.deb
set(CPACK_DEBIAN_PACKAGE_SECTION utils)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)  # Depends: from dpkg-shlibdeps on the binary
set(CPACK_DEBIAN_COMPRESSION_TYPE xz)
include(CPack)
