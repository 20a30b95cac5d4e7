module TopModule (
  input  [15:0] a,
  input  [15:0] b,
  input         sub,
  output [15:0] result,
  output        cout,
  output        ovf,
  output        zero
);
  wire [15:0] bx = sub ? ~b : b;
  assign {cout, result} = {1'b0, a} + {1'b0, bx} + {16'd0, sub};
  assign ovf  = (a[15] == bx[15]) && (result[15] != a[15]);
  assign zero = result == 16'd0;
endmodule
