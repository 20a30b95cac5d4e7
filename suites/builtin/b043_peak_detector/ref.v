module TopModule (
  input            clk,
  input            rst_n,
  input            valid,
  input      [7:0] sample,
  output reg [7:0] peak
);
  always @(posedge clk or negedge rst_n) begin
    if (!rst_n)                       peak <= 8'd0;
    else if (valid && sample > peak)  peak <= sample;
  end
endmodule
