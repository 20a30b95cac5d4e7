module TopModule (
  input  [7:0] a,
  input  [7:0] b,
  output       lt_s,
  output       lt_u,
  output       eq
);
  assign lt_s = $signed(a) < $signed(b);
  assign lt_u = a < b;
  assign eq   = a == b;
endmodule
