# conv-serve's page, built into the binary: IN (tools/serve_page.html) as
# the bytes of a C array in OUT.
#   cmake -DIN=... -DOUT=... -P tools/serve_embed.cmake
file(READ "${IN}" hex HEX)
string(LENGTH "${hex}" len)
math(EXPR size "${len} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
string(REGEX REPLACE "((0x..,){32})" "\\1\n" bytes "${bytes}")
file(WRITE "${OUT}.tmp"
  "/* Made from tools/serve_page.html by tools/serve_embed.cmake: do not edit. */\n"
  "#include <stddef.h>\n"
  "extern const unsigned char serve_page_html[];\n"
  "extern const size_t serve_page_html_size;\n"
  "const unsigned char serve_page_html[] = {\n${bytes}0};\n"
  "const size_t serve_page_html_size = ${size};\n")
file(RENAME "${OUT}.tmp" "${OUT}")
