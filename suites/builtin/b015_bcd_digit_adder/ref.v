module TopModule (
  input  [3:0] a,
  input  [3:0] b,
  input        cin,
  output [3:0] sum,
  output       cout
);
  wire [4:0] s = a + b + cin;
  wire [4:0] corrected = s + 5'd6;
  assign cout = s > 5'd9;
  assign sum  = cout ? corrected[3:0] : s[3:0];
endmodule
