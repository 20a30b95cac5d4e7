module bcd_digit_add (
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

module TopModule (
  input  [15:0] a,
  input  [15:0] b,
  input         cin,
  output [15:0] sum,
  output        cout
);
  wire c1, c2, c3;
  bcd_digit_add d0 (.a(a[3:0]),   .b(b[3:0]),   .cin(cin), .sum(sum[3:0]),   .cout(c1));
  bcd_digit_add d1 (.a(a[7:4]),   .b(b[7:4]),   .cin(c1),  .sum(sum[7:4]),   .cout(c2));
  bcd_digit_add d2 (.a(a[11:8]),  .b(b[11:8]),  .cin(c2),  .sum(sum[11:8]),  .cout(c3));
  bcd_digit_add d3 (.a(a[15:12]), .b(b[15:12]), .cin(c3),  .sum(sum[15:12]), .cout(cout));
endmodule
