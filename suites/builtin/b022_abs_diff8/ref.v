module TopModule (
  input  [7:0] a,
  input  [7:0] b,
  output [7:0] d,
  output       a_bigger
);
  assign a_bigger = a > b;
  assign d = a_bigger ? a - b : b - a;
endmodule
