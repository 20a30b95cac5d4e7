module TopModule (
  input                   clk,
  input                   reset,
  input                   en,
  input      signed [7:0] x,
  output reg signed [9:0] y
);
  reg signed [7:0] x1, x2;
  wire signed [9:0] x0e = x;
  wire signed [9:0] x1e = x1;
  wire signed [9:0] x2e = x2;
  always @(posedge clk) begin
    if (reset) begin
      x1 <= 8'sd0;
      x2 <= 8'sd0;
      y  <= 10'sd0;
    end else if (en) begin
      y  <= x0e + (x1e <<< 1) + x2e;
      x2 <= x1;
      x1 <= x;
    end
  end
endmodule
