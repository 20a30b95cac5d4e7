module TopModule (
  input        en,
  input  [2:0] sel,
  output [7:0] out
);
  assign out = en ? (8'b0000_0001 << sel) : 8'b0000_0000;
endmodule
