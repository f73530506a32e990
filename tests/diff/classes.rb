# Classes the random values of tests/diff use; the repro generator
# (tests/fixtures/generate_repros.rb) loads them too, so a repro written as
# Marshal.load(bytes) finds them.
module Ext; end
module Ext2; end
class MyStr < String; end
class MyArr < Array; end
class MyHash < Hash; end
class MyErr < StandardError; end
Point = Struct.new(:x, :y) unless defined?(Point)
class Plain
  def initialize(a = 1, b = "two") = (@a = a; @b = b)
end
