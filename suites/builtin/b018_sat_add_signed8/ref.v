module TopModule (
  input  [7:0] a,
  input  [7:0] b,
  output [7:0] y,
  output       sat
);
  wire [8:0] s = {a[7], a} + {b[7], b};
  wire pos_ovf = (s[8] == 1'b0) && (s[7] == 1'b1);
  wire neg_ovf = (s[8] == 1'b1) && (s[7] == 1'b0);
  assign sat = pos_ovf | neg_ovf;
  assign y = pos_ovf ? 8'h7F : (neg_ovf ? 8'h80 : s[7:0]);
endmodule
