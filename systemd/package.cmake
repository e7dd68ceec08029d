# systemd/package.cmake - CPack: a Debian package of nerd (issue 6).
# Included from systemd/install.cmake after the install rules:
#     cpack --config build/CPackConfig.cmake -B build/pkg
# builds build/pkg/nerd_<version>_<arch>.deb. Configure with
# -DCMAKE_INSTALL_PREFIX=/usr so that the compiled-in default paths
# (/etc/nerd, /usr/share/nerd) match the package's layout.

set(CPACK_GENERATOR "DEB")
set(CPACK_PACKAGE_NAME "nerd")
set(CPACK_PACKAGE_VERSION "${PROJECT_VERSION}")
set(CPACK_PACKAGE_CONTACT "nerd maintainers <nerd@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
  "named-entity recognition daemon (gazetteers and rules, over ZeroMQ)")
set(CPACK_PACKAGE_DESCRIPTION
  "nerd tags persons, organizations and places in news text in English, French and Arabic, from gazetteers and PCRE2 rules; `nerd serve` runs as a hardened systemd service reading articles from and publishing annotations on ZeroMQ sockets.")
set(CPACK_PACKAGING_INSTALL_PREFIX "/usr")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION "net")
set(CPACK_DEBIAN_PACKAGE_PRIORITY "optional")
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS OFF)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
  "${CMAKE_BINARY_DIR}/systemd/debian/conffiles"
  "${CMAKE_SOURCE_DIR}/systemd/debian/postinst"
  "${CMAKE_SOURCE_DIR}/systemd/debian/prerm"
  "${CMAKE_SOURCE_DIR}/systemd/debian/postrm")
file(WRITE ${CMAKE_BINARY_DIR}/systemd/debian/conffiles "/etc/nerd/nerd.conf\n")
include(CPack)
