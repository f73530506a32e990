#!/bin/sh
# Does Ruby 3.4's json (2.9.1, the @ruby/3.4-wasm-wasi build) read JSON as
# Debian's Ruby 3.1 (json 2.6.1) does? Compares both on the json_parse
# fixtures and on N random texts of make diff's generator. Needs node and
# the npm packages @ruby/3.4-wasm-wasi and @ruby/wasm-wasi 2.10.1 installed
# in WASM_DIR (outside the project: cd WASM_DIR && npm install ...).
# Usage: tests/diff/ruby34_json.sh WASM_DIR [N] [SEED]
set -eu
wasm=$1 n=${2:-5000} seed=${3:-4}
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/texts"
cp "$here/../fixtures/json_parse/"*.json "$tmp/texts/"
ruby -I"$here" -rjson_gen -e 'JsonTextGen.new(Integer(ARGV[1])).texts(Integer(ARGV[0])).each_with_index { |t, i| File.binwrite(File.join(ARGV[2], "rand%05d.json" % i), t) }' "$n" "$seed" "$tmp/texts"
cat >"$tmp/run.js" <<JS
require("v8").setFlagsFromString("--no-turbo-fast-api-calls"); // nodejs/node#46777
const fs = require("fs");
const { WASI } = require("wasi");
const { RubyVM } = require("$wasm/node_modules/@ruby/wasm-wasi/dist/cjs/vm.js");
(async () => {
  const mod = await WebAssembly.compile(fs.readFileSync("$wasm/node_modules/@ruby/3.4-wasm-wasi/dist/ruby+stdlib.wasm"));
  const wasi = new WASI({ version: "preview1", returnOnExit: true, preopens: { "/": "/" }, args: ["ruby"], env: {} });
  const { vm } = await RubyVM.instantiateModule({ module: mod, wasip1: wasi, args: ["ruby.wasm", "-e_=0"] });
  const src = fs.readFileSync("$here/json_canon.rb", "utf8");
  process.stdout.write(vm.eval("ARGV.replace([" + JSON.stringify("$tmp/texts") + "]); " + src).toString());
})();
JS
ruby "$here/json_canon.rb" "$tmp/texts" >"$tmp/31"
node "$tmp/run.js" 2>"$tmp/node.err" >"$tmp/34" || { grep -v "^    at" "$tmp/node.err" | tail -5; exit 1; }
echo "texts: $(wc -l <"$tmp/31") read by Ruby 3.1, $(wc -l <"$tmp/34") by Ruby 3.4"
if diff "$tmp/31" "$tmp/34" >"$tmp/d"; then echo "Ruby 3.4 (json 2.9.1) and Ruby 3.1 (json 2.6.1) agree on every text"
else echo "they differ on $(grep -c '^<' "$tmp/d") texts:"; head -20 "$tmp/d"; exit 1; fi
