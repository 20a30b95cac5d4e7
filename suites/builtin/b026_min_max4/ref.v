module TopModule (
  input  [7:0] a,
  input  [7:0] b,
  input  [7:0] c,
  input  [7:0] d,
  output [7:0] min,
  output [7:0] max
);
  wire [7:0] min_ab = (a < b) ? a : b;
  wire [7:0] min_cd = (c < d) ? c : d;
  wire [7:0] max_ab = (a > b) ? a : b;
  wire [7:0] max_cd = (c > d) ? c : d;
  assign min = (min_ab < min_cd) ? min_ab : min_cd;
  assign max = (max_ab > max_cd) ? max_ab : max_cd;
endmodule
