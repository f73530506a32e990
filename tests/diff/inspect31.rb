# Ruby's own inspect of Marshal data, without ActiveSupport (which replaces
# Date#inspect): one hex line in, one hex line of inspect34 out ("-" when the
# value does not load here). Used by diff.rb for the Ruby view check.
require "bigdecimal"
require "date"
require "set"
require_relative "classes"
require_relative "../fixtures/ruby_helpers"
$stdin.each_line do |l|
  v = Marshal.load([l.strip].pack("H*"))
  puts inspect34(v).b.unpack1("H*")
rescue StandardError
  puts "-"
end
