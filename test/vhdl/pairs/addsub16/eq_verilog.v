// Equivalent, in Verilog against the VHDL reference (mixed): a 17-bit sum and the overflow as carry-in xor carry-out.
module TopModule(input [15:0] a, input [15:0] b, input sub, output [15:0] result, output cout, output ovf, output zero);
  wire [15:0] bx = b ^ {16{sub}};
  wire [15:0] low = a[14:0] + bx[14:0] + sub;
  wire c15 = low[15];
  wire [1:0] top = a[15] + bx[15] + c15;
  assign result = {top[0], low[14:0]};
  assign cout = top[1];
  assign ovf = c15 ^ top[1];
  assign zero = ~|result;
endmodule
