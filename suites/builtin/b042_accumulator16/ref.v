module TopModule (
  input             clk,
  input             reset,
  input             en,
  input      [7:0]  din,
  output reg [15:0] acc,
  output reg        ovf
);
  wire [16:0] sum = {1'b0, acc} + {9'd0, din};
  always @(posedge clk) begin
    if (reset) begin
      acc <= 16'd0;
      ovf <= 1'b0;
    end else if (en) begin
      acc <= sum[15:0];
      if (sum[16]) ovf <= 1'b1;
    end
  end
endmodule
