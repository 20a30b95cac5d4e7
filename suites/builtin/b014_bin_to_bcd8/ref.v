module TopModule (
  input  [7:0] bin,
  output [1:0] hundreds,
  output [3:0] tens,
  output [3:0] ones
);
  wire [7:0] h = bin / 8'd100;
  wire [7:0] t = (bin % 8'd100) / 8'd10;
  wire [7:0] o = bin % 8'd10;
  assign hundreds = h[1:0];
  assign tens     = t[3:0];
  assign ones     = o[3:0];
endmodule
