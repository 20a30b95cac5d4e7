module cla4 (
  input  [3:0] a,
  input  [3:0] b,
  input        cin,
  output [3:0] sum,
  output       gg,
  output       pg
);
  wire [3:0] g = a & b;
  wire [3:0] p = a ^ b;
  wire [4:0] c;
  assign c[0] = cin;
  assign c[1] = g[0] | (p[0] & c[0]);
  assign c[2] = g[1] | (p[1] & g[0]) | (p[1] & p[0] & c[0]);
  assign c[3] = g[2] | (p[2] & g[1]) | (p[2] & p[1] & g[0]) | (p[2] & p[1] & p[0] & c[0]);
  assign c[4] = 1'b0;
  assign sum = p ^ c[3:0];
  assign gg  = g[3] | (p[3] & g[2]) | (p[3] & p[2] & g[1]) | (p[3] & p[2] & p[1] & g[0]);
  assign pg  = &p;
endmodule

module TopModule (
  input  [15:0] a,
  input  [15:0] b,
  input         cin,
  output [15:0] sum,
  output        cout,
  output        G,
  output        P
);
  wire [3:0] gg, pg;
  wire [4:0] c;
  assign c[0] = cin;
  assign c[1] = gg[0] | (pg[0] & c[0]);
  assign c[2] = gg[1] | (pg[1] & gg[0]) | (pg[1] & pg[0] & c[0]);
  assign c[3] = gg[2] | (pg[2] & gg[1]) | (pg[2] & pg[1] & gg[0]) | (pg[2] & pg[1] & pg[0] & c[0]);
  assign G = gg[3] | (pg[3] & gg[2]) | (pg[3] & pg[2] & gg[1]) | (pg[3] & pg[2] & pg[1] & gg[0]);
  assign P = &pg;
  assign c[4] = G | (P & cin);
  assign cout = c[4];
  cla4 b0 (.a(a[3:0]),   .b(b[3:0]),   .cin(c[0]), .sum(sum[3:0]),   .gg(gg[0]), .pg(pg[0]));
  cla4 b1 (.a(a[7:4]),   .b(b[7:4]),   .cin(c[1]), .sum(sum[7:4]),   .gg(gg[1]), .pg(pg[1]));
  cla4 b2 (.a(a[11:8]),  .b(b[11:8]),  .cin(c[2]), .sum(sum[11:8]),  .gg(gg[2]), .pg(pg[2]));
  cla4 b3 (.a(a[15:12]), .b(b[15:12]), .cin(c[3]), .sum(sum[15:12]), .gg(gg[3]), .pg(pg[3]));
endmodule
