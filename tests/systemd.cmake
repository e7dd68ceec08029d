# tests/systemd.cmake - tests of the systemd integration (issue 6).
# Included from tests/CMakeLists.txt. Exit code 77 means "skipped" (no
# systemd-analyze on this host).

add_test(NAME systemd_unit
  COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/test_systemd.py
    $<TARGET_FILE:nerd> ${CMAKE_BINARY_DIR})
set_tests_properties(systemd_unit PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 120
  RESOURCE_LOCK nerd_install)

add_test(NAME systemd_notify
  COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/test_notify.py
    $<TARGET_FILE:nerd> ${CMAKE_BINARY_DIR})
set_tests_properties(systemd_notify PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 120)

add_test(NAME package_deb
  COMMAND /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/test_deb.py
    $<TARGET_FILE:nerd> ${CMAKE_BINARY_DIR})
set_tests_properties(package_deb PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 300
  RESOURCE_LOCK nerd_install)
