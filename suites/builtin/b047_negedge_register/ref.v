module TopModule (
  input            clk,
  input            reset,
  input      [3:0] d,
  output reg [3:0] q
);
  always @(negedge clk) begin
    if (reset) q <= 4'd0;
    else       q <= d;
  end
endmodule
