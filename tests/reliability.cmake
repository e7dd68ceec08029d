# tests/reliability.cmake - hostile input and valgrind (issue 8).
# Included from tests/CMakeLists.txt. Exit code 77 means "skipped".
# The fuzz targets live in tests/fuzz (configure with -DNERD_FUZZ=ON).

foreach(case messages huge large burst backtrack)
  add_test(NAME hostile_${case}
    COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/test_hostile.py
      $<TARGET_FILE:nerd> ${case})
  set_tests_properties(hostile_${case} PROPERTIES TIMEOUT 300
    SKIP_RETURN_CODE 77)
endforeach()

add_test(NAME valgrind_daemon
  COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/test_valgrind.py
    $<TARGET_FILE:nerd>)
set_tests_properties(valgrind_daemon PROPERTIES TIMEOUT 300
  SKIP_RETURN_CODE 77)
